"""A research corpus in the PAN 2012 sexual predator identification format, and its ground truth, read into
Warden's conversation model, bounded.

The corpus is one XML file: ``<conversations>`` holding ``<conversation id="...">`` elements, each holding
``<message line="n">`` elements with ``<author>`` (an anonymised id), ``<time>`` (a time of day, ``HH:MM``,
no date) and ``<text>``. The ground truth is a text file of the authors the corpus's makers identified as
predators, one id a line. This is the layout the competition's overview (Inches and Crestani, 2012) and the
public readers of the corpus describe; Warden ships no corpus and fetches none: a lab that holds one gives its
path.

The XML is read as a stream (expat, no tree kept), bounded in bytes, conversations, messages, characters per
message and seconds; a document type declaration (where entity expansion lives) is refused. Anything that is
not this layout is a :class:`~warden.errors.CorpusError` naming the file and the line, never a traceback.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from warden.conversations.model import Conversation, Conversations, Direction, Message, Participant
from warden.errors import CorpusError

SOURCE = "pan2012"
"""The :attr:`~warden.conversations.model.Conversation.source` of every conversation read from a corpus."""

_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class CorpusLimits:
    """Bounds on what reading one corpus may cost (the PAN 2012 test corpus is about 155,000 conversations).

    Attributes:
        bytes: largest corpus file read.
        conversations: most conversations.
        messages: most messages in all.
        text_chars: longest text kept of one message (the rest is cut).
        seconds: most seconds reading may take.
        truth_bytes: largest ground-truth file read.
    """

    bytes: int = 4 << 30
    conversations: int = 2_000_000
    messages: int = 20_000_000
    text_chars: int = 20_000
    seconds: float = 3600.0
    truth_bytes: int = 64 << 20


@dataclass(slots=True)
class _Reading:
    """The parser's state: where it is, and what it has read so far."""

    label: str
    limits: CorpusLimits
    found: Conversations = field(default_factory=lambda: Conversations(SOURCE))
    path: list[str] = field(default_factory=list)
    conversation: str | None = None
    authors: dict[str, None] = field(default_factory=dict)
    line: str = ""
    fields: dict[str, list[str]] = field(default_factory=dict)
    chars: int = 0


class _Refused(Exception):
    """The document is not a PAN 2012 corpus (internal: becomes a CorpusError with the parser's line)."""


def _start(state: _Reading, name: str, attributes: dict[str, str]) -> None:
    depth = len(state.path)
    if depth == 0 and name != "conversations":
        raise _Refused(f"the root element is <{name}>, not <conversations>")
    if depth == 1:
        if name != "conversation":
            raise _Refused(f"<{name}> inside <conversations>, where only <conversation> may be")
        key = attributes.get("id", "").strip()
        if not key:
            raise _Refused("a <conversation> without an id")
        if len(state.found.conversations) >= state.limits.conversations:
            raise _Refused(f"more than {state.limits.conversations:,} conversations (the reading limit)")
        state.conversation = key
        state.authors = {}
    elif depth == 2:
        if name != "message":
            raise _Refused(f"<{name}> inside <conversation>, where only <message> may be")
        if len(state.found.messages) >= state.limits.messages:
            raise _Refused(f"more than {state.limits.messages:,} messages (the reading limit)")
        state.line = attributes.get("line", "").strip()
        state.fields = {}
    elif depth == 3:
        state.fields[name] = []
        state.chars = 0
    elif depth >= 4:
        raise _Refused(f"<{name}> nested inside a message's <{state.path[-1]}>")
    state.path.append(name)


def _text(state: _Reading, data: str) -> None:
    if len(state.path) == 4 and state.path[-1] in ("author", "time", "text"):
        room = state.limits.text_chars - state.chars
        if room > 0:
            state.fields[state.path[-1]].append(data[:room])
            state.chars += min(len(data), room)


def _end(state: _Reading, name: str) -> None:
    state.path.pop()
    depth = len(state.path)
    if depth == 2 and name == "message":
        _message(state)
    elif depth == 1 and name == "conversation":
        key = state.conversation or ""
        state.found.conversations.append(
            Conversation(
                key=key,
                source=SOURCE,
                participants=tuple(Participant(author) for author in state.authors),
                provenance=f"{state.label}:conversation {key}",
            )
        )
        state.conversation = None


def _message(state: _Reading) -> None:
    author = "".join(state.fields.get("author", [])).strip()
    if not author:
        raise _Refused(f"a <message> (line {state.line or '?'}) without an <author>")
    key = state.conversation or ""
    state.authors.setdefault(author)
    text = "".join(state.fields.get("text", [])).strip()
    clock = "".join(state.fields.get("time", [])).strip()
    state.found.messages.append(
        Message(
            conversation=key,
            sender=author,
            direction=Direction.UNKNOWN,
            utc=None,  # a time of day without a date or zone: never guessed into UTC
            raw_time=f"{clock} (time of day, no date or zone)" if clock else "",
            text=text or None,
            provenance=f"{state.label}:conversation {key}:line {state.line or '?'}",
        )
    )


def _parser(state: _Reading) -> expat.XMLParserType:
    parser = expat.ParserCreate()
    parser.buffer_text = True

    def refuse_doctype(*_args: object) -> None:
        raise _Refused("it declares a document type (DTD), which a corpus never needs: refused")

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    parser.StartElementHandler = lambda name, attributes: _start(state, name, attributes)
    parser.EndElementHandler = lambda name: _end(state, name)
    parser.CharacterDataHandler = lambda data: _text(state, data)
    return parser


def read_corpus(path: Path, limits: CorpusLimits = CorpusLimits()) -> Conversations:
    """Every conversation and message of a PAN 2012 corpus file, in the file's order.

    Messages keep their author as sender, their time of day as ``raw_time`` (``utc`` stays None) and their
    place as provenance (``corpus.xml:conversation <id>:line <n>``).

    Raises:
        CorpusError: the file cannot be read, is not well-formed XML in this layout, or passes a limit.
    """
    state = _Reading(path.name, limits)
    parser = _parser(state)
    started = time.monotonic()
    read = 0
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(_CHUNK):
                read += len(chunk)
                if read > limits.bytes:
                    raise _Refused(f"larger than {limits.bytes:,} bytes (the reading limit)")
                if time.monotonic() - started > limits.seconds:
                    raise _Refused(f"reading took over {limits.seconds:.0f} s (the reading limit)")
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _Refused as refused:
        raise CorpusError(
            f"{path}: not a PAN 2012 corpus: {refused} (line {parser.CurrentLineNumber})"
        ) from None
    except expat.ExpatError as error:
        raise CorpusError(f"{path}: not a PAN 2012 corpus: not well-formed XML ({error})") from None
    except OSError as error:
        raise CorpusError(f"{path}: cannot be read: {error.strerror or error}") from None
    if not state.found.conversations:
        raise CorpusError(f"{path}: not a PAN 2012 corpus: it holds no <conversation>")
    return state.found


@dataclass(frozen=True, slots=True)
class GroundTruth:
    """The authors a ground-truth file names that are in the corpus, and how many it named in all.

    Ids no message of the corpus has are left out of ``predators`` (a ground truth made for a larger corpus
    than the one given); ``named - len(predators)`` says how many.
    """

    predators: frozenset[str]
    named: int
    sha256: str


def read_ground_truth(
    path: Path, authors: Iterable[str], limits: CorpusLimits = CorpusLimits()
) -> GroundTruth:
    """The author ids a ground-truth file names (one a line; blank lines skipped), kept where in the corpus.

    Raises:
        CorpusError: the file cannot be read, is not UTF-8 text, is too large, or names no author in the
            corpus.
    """
    try:
        with path.open("rb") as stream:
            data = stream.read(limits.truth_bytes + 1)
    except OSError as error:
        raise CorpusError(f"{path}: cannot be read: {error.strerror or error}") from None
    if len(data) > limits.truth_bytes:
        raise CorpusError(
            f"{path}: a ground truth larger than {limits.truth_bytes:,} bytes (the reading limit)"
        )
    try:
        named = {line.strip() for line in data.decode("utf-8-sig").splitlines() if line.strip()}
    except UnicodeDecodeError:
        raise CorpusError(f"{path}: not a ground truth: not UTF-8 text (one author id a line)") from None
    present = named & set(authors)
    if not present:
        raise CorpusError(
            f"{path}: the ground truth names {len(named):,} author id(s), none of them an author in the "
            "corpus "
            "(is it the ground truth of another corpus?)"
        )
    return GroundTruth(frozenset(present), len(named), hashlib.sha256(data).hexdigest())


def corpus_authors(found: Conversations) -> set[str]:
    """Every author of a message in the corpus."""
    return {message.sender for message in found.messages if message.sender is not None}


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def ground_truth_beside(corpus: Path) -> Path | None:
    """The ground-truth file beside a corpus when there is exactly one (``*predators*.txt``, as the PAN 2012
    files are named), else None."""
    found = sorted(corpus.parent.glob("*predators*.txt"))
    return found[0] if len(found) == 1 else None
