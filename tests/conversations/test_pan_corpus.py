"""A research corpus in PAN 2012's layout read into the conversation model, and everything that is not one
refused with a CorpusError that names the file: wrong XML, a DTD, limits, a ground truth of another corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conversations.pan_synthetic import build_corpus
from warden.conversations.pan_corpus import (
    SOURCE,
    CorpusLimits,
    corpus_authors,
    ground_truth_beside,
    read_corpus,
    read_ground_truth,
)
from warden.errors import CorpusError

SMALL = """<?xml version="1.0" encoding="UTF-8"?>
<conversations>
<conversation id="c1">
<message line="1"><author>a1</author><time>03:20</time><text>hi &amp; hello</text></message>
<message line="2"><author>b2</author><time>03:21</time><text/></message>
<message line="3"><author>a1</author><time>03:22</time><text>where do you live</text></message>
</conversation>
<conversation id="c2">
<message line="1"><author>b2</author><time>10:00</time><text>can you grab milk</text></message>
</conversation>
</conversations>
"""


def write(tmp_path: Path, text: str, name: str = "corpus.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_message_is_read_with_author_time_and_provenance(tmp_path: Path) -> None:
    found = read_corpus(write(tmp_path, SMALL))
    assert [c.key for c in found.conversations] == ["c1", "c2"]
    assert {c.source for c in found.conversations} == {SOURCE}
    assert [p.key for p in found.conversations[0].participants] == ["a1", "b2"]
    first, empty, third, other = found.messages
    assert (first.sender, first.text, first.conversation) == ("a1", "hi & hello", "c1")
    assert first.utc is None and first.raw_time.startswith("03:20")  # a time of day is never made UTC
    assert first.provenance == "corpus.xml:conversation c1:line 1"
    assert empty.text is None and third.text == "where do you live"
    assert other.provenance == "corpus.xml:conversation c2:line 1"
    assert corpus_authors(found) == {"a1", "b2"}


def test_the_synthetic_corpus_reads_whole(tmp_path: Path) -> None:
    corpus = build_corpus(tmp_path)
    found = read_corpus(corpus.xml)
    assert len(found.conversations) == 330
    truth = read_ground_truth(corpus.truth, corpus_authors(found))
    assert truth.predators == corpus.predators and truth.named == len(corpus.predators) + 2
    assert ground_truth_beside(corpus.xml) == corpus.truth


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("this is not xml at all", "not well-formed XML"),
        ("<?xml version='1.0'?><html><body/></html>", "root element is <html>"),
        ("<conversations><conversation><message/></conversation></conversations>", "without an id"),
        ("<conversations><chat id='1'/></conversations>", "<chat> inside <conversations>"),
        (
            "<conversations><conversation id='1'><message line='1'><text>x</text></message></conversation>"
            "</conversations>",
            "without an <author>",
        ),
        ("<conversations></conversations>", "holds no <conversation>"),
        ("<conversations><conversation id='1'>", "not well-formed XML"),  # cut short
        (
            '<?xml version="1.0"?><!DOCTYPE c [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            "<conversations/>",
            "document type (DTD)",
        ),
    ],
)
def test_what_is_not_a_pan_corpus_is_refused_naming_the_file(tmp_path: Path, text: str, said: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(CorpusError) as refused:
        read_corpus(path)
    assert str(path) in refused.value.message and said in refused.value.message
    assert refused.value.exit_code == 18


def test_limits_stop_a_huge_corpus_with_the_limit_named(tmp_path: Path) -> None:
    path = write(tmp_path, SMALL)
    with pytest.raises(CorpusError, match="more than 1 conversations"):
        read_corpus(path, CorpusLimits(conversations=1))
    with pytest.raises(CorpusError, match="more than 2 messages"):
        read_corpus(path, CorpusLimits(messages=2))
    with pytest.raises(CorpusError, match="larger than 100 bytes"):
        read_corpus(path, CorpusLimits(bytes=100))
    cut = read_corpus(path, CorpusLimits(text_chars=5))
    assert cut.messages[0].text == "hi &"  # cut to 5 characters, then stripped


def test_a_ground_truth_naming_no_author_in_the_corpus_is_refused(tmp_path: Path) -> None:
    found = read_corpus(write(tmp_path, SMALL))
    truth = write(tmp_path, "zz1\nzz2\n", "other-predators.txt")
    with pytest.raises(CorpusError, match="names 2 author id\\(s\\), none of them an author in the corpus"):
        read_ground_truth(truth, corpus_authors(found))
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00a1")
    with pytest.raises(CorpusError, match="not UTF-8"):
        read_ground_truth(binary, corpus_authors(found))
    kept = read_ground_truth(write(tmp_path, "a1\n\nzz9\n", "t.txt"), corpus_authors(found))
    assert kept.predators == {"a1"} and kept.named == 2
