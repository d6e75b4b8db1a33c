// Warden review: keyboard grading, deliberate reveals that blur again, and forms sent with the CSRF token.
// No framework, no build step; the Content-Security-Policy allows this file and nothing inline.
"use strict";

(function () {
  const meta = (name) => (document.querySelector(`meta[name="${name}"]`) || {}).content || "";
  const csrf = meta("csrf-token");
  const revealSeconds = Number(meta("reveal-seconds")) || 30;
  const labels = { A: "A", B: "B", C: "C", not_indecent: "not indecent" };
  let reblurTimer = null;
  let focusIndex = 0;

  async function post(url, fields) {
    const body = new URLSearchParams();
    for (const [key, value] of fields) body.append(key, value);
    const response = await fetch(url, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, Accept: "application/json" },
    });
    let data = {};
    try {
      data = await response.json();
    } catch (error) {
      data = {};
    }
    if (!response.ok) {
      throw new Error((data.error && data.error.message) || `${response.status} ${response.statusText}`);
    }
    return data;
  }

  function say(text, bad) {
    const status = document.getElementById("status");
    if (!status) return;
    status.textContent = text;
    status.classList.toggle("bad", Boolean(bad));
  }

  // Blur every revealed preview again: the clear image is dropped from the page.
  function reblurAll() {
    clearTimeout(reblurTimer);
    for (const img of document.querySelectorAll("img.revealed")) {
      img.src = img.dataset.blurred;
      img.classList.remove("revealed");
      img.alt = img.alt.replace(/^revealed/, "blurred");
    }
  }

  async function reveal(itemId) {
    reblurAll();
    try {
      const data = await post(`/previews/${itemId}/reveal`, []);
      for (const img of document.querySelectorAll(`img[data-item="${itemId}"]`)) {
        img.src = `${data.url}?at=${Date.now()}`;
        img.classList.add("revealed");
        img.alt = img.alt.replace(/^blurred/, "revealed");
      }
      reblurTimer = setTimeout(reblurAll, (data.seconds || revealSeconds) * 1000);
      say(`Item ${itemId} revealed; it blurs again in ${data.seconds || revealSeconds} s or when you move on.`);
    } catch (error) {
      say(error.message, true);
    }
  }

  // ------------------------------------------------------------------ the queue
  const clusters = () => Array.from(document.querySelectorAll("section.cluster"));
  const focused = () => clusters()[focusIndex];
  const idsOf = (cluster) => cluster.dataset.items.split(",");
  const picked = () => clusters().filter((c) => c.querySelector("input.pick:checked"));
  const canGrade = () => document.body.dataset.canGrade === "1";

  function focusAt(index) {
    const list = clusters();
    reblurAll();
    if (!list.length) {
      say("Nothing left on this page: reload for more.");
      return;
    }
    focusIndex = Math.max(0, Math.min(index, list.length - 1));
    list.forEach((cluster, i) => cluster.classList.toggle("focused", i === focusIndex));
    const cluster = list[focusIndex];
    cluster.focus({ preventScroll: true });
    cluster.scrollIntoView({ block: "nearest" });
  }

  function updateBulk() {
    const bar = document.getElementById("bulk-bar");
    const chosen = picked();
    for (const cluster of clusters()) cluster.classList.toggle("picked", chosen.includes(cluster));
    if (!bar) return;
    bar.hidden = chosen.length === 0;
    document.getElementById("bulk-count").textContent = String(chosen.length);
  }

  function countDown(items, removed) {
    const itemsLeft = document.getElementById("items-left");
    const clustersLeft = document.getElementById("clusters-left");
    if (itemsLeft) itemsLeft.textContent = String(Number(itemsLeft.textContent) - items);
    if (clustersLeft) clustersLeft.textContent = String(Number(clustersLeft.textContent) - removed);
  }

  async function grade(category, targets) {
    if (!canGrade()) return;
    const chosen = picked();
    const bulk = !targets && chosen.length > 0;
    targets = targets || (bulk ? chosen : [focused()].filter(Boolean));
    if (!targets.length) return;
    const items = targets.flatMap(idsOf);
    const scope = bulk ? "bulk" : items.length > 1 ? "cluster" : "item";
    try {
      await post("/grades", [...items.map((id) => ["items", id]), ["category", category], ["scope", scope]]);
      const at = clusters().indexOf(targets[0]);
      targets.forEach((cluster) => cluster.remove());
      countDown(items.length, targets.length);
      updateBulk();
      say(`Graded ${items.length} item${items.length === 1 ? "" : "s"} ${labels[category]}. U undoes.`);
      focusAt(at >= 0 ? at : focusIndex);
    } catch (error) {
      say(error.message, true);
    }
  }

  async function undo() {
    if (!canGrade()) return;
    try {
      const data = await post("/grades/undo", []);
      say(data.restored.length ? `Undid the grade of ${data.restored.length} items.` : "Nothing to undo.");
      if (data.restored.length) window.location.reload();
    } catch (error) {
      say(error.message, true);
    }
  }

  function onQueueKey(event) {
    const cluster = focused();
    switch (event.key) {
      case "j": case "J": case "ArrowDown": case "ArrowRight":
        focusAt(focusIndex + 1); break;
      case "k": case "K": case "ArrowUp": case "ArrowLeft":
        focusAt(focusIndex - 1); break;
      case "s": case "S":
        say("Skipped."); focusAt(focusIndex + 1); break;
      case "a": case "A": case "b": case "B": case "c": case "C":
        grade(event.key.toUpperCase()); break;
      case "n": case "N":
        grade("not_indecent"); break;
      case "u": case "U":
        undo(); break;
      case "x": case "X": {
        const box = cluster && cluster.querySelector("input.pick");
        if (box) { box.checked = !box.checked; updateBulk(); }
        break;
      }
      case "v": case "V":
        if (cluster) reveal(idsOf(cluster)[0]);
        break;
      case "Enter":
        if (cluster) window.location.href = `/items/${idsOf(cluster)[0]}`;
        break;
      case "Escape":
        reblurAll(); break;
      default:
        return;
    }
    event.preventDefault();
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    const typing = target instanceof HTMLElement && (target.isContentEditable ||
      (["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName) && target.type !== "checkbox"));
    if (typing) return;
    if (document.body.classList.contains("queue-page")) onQueueKey(event);
    else if (event.key === "Escape") reblurAll();
  });

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (form.classList.contains("reveal-form")) {
      event.preventDefault();
      reveal(form.dataset.item);
    } else if (form.classList.contains("grade-form") && form.closest("section.cluster")) {
      event.preventDefault();
      const cluster = form.closest("section.cluster");
      focusIndex = clusters().indexOf(cluster);
      const category = event.submitter ? event.submitter.value : "";
      if (category) grade(category, [cluster]);
    }
  });

  document.addEventListener("change", (event) => {
    if (event.target instanceof HTMLInputElement && event.target.classList.contains("pick")) updateBulk();
  });

  document.addEventListener("click", (event) => {
    const button = event.target instanceof Element && event.target.closest("[data-bulk]");
    if (button) grade(button.dataset.bulk);
  });

  // Moving away from the page blurs what was revealed.
  document.addEventListener("visibilitychange", () => { if (document.hidden) reblurAll(); });

  document.addEventListener("DOMContentLoaded", () => {
    if (document.body.classList.contains("queue-page")) focusAt(0);
    const revealed = document.querySelector("img.revealed");
    if (revealed) reblurTimer = setTimeout(reblurAll, revealSeconds * 1000);
  });
})();
