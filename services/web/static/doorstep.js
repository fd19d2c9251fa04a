// Doorstep's pages work without this script; with it: countdowns, the check-in that never
// pretends, the covert panic, the live board, the assessment score as it is filled in and a
// filter over a long staff register.
"use strict";

function pad(n) { return String(n).padStart(2, "0"); }

function countdown() {
  const now = Date.now();
  document.querySelectorAll("time[data-countdown]").forEach((el) => {
    const left = Math.round((Date.parse(el.getAttribute("datetime")) - now) / 1000);
    const size = Math.abs(left);
    const text = size >= 3600 ? `${Math.floor(size / 3600)} h ${pad(Math.floor(size / 60) % 60)} min`
      : `${Math.floor(size / 60)}:${pad(size % 60)}`;
    el.textContent = left >= 0 ? `in ${text}` : `OVERDUE by ${text}`;
  });
  document.querySelectorAll("time[data-wait]").forEach((el) => {
    if (!el.dataset.until) el.dataset.until = now + Number(el.dataset.wait) * 60000;
    const left = Math.max(0, Math.round((Number(el.dataset.until) - now) / 1000));
    el.textContent = `${Math.floor(left / 60)}:${pad(left % 60)}`;
  });
}

function clockNow() {
  const d = new Date();
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function checkIn(form) {
  const button = form.querySelector("button");
  const said = form.querySelector("[data-sent]");
  const duress = form.querySelector("input[name=duress]");
  let held = null;
  const press = () => { held = setTimeout(() => { duress.value = "true"; }, 2000); };
  const release = () => clearTimeout(held);
  button.addEventListener("pointerdown", press);
  ["pointerup", "pointerleave", "pointercancel"].forEach((e) => button.addEventListener(e, release));
  button.addEventListener("contextmenu", (e) => e.preventDefault());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = new URLSearchParams(new FormData(form));
    duress.value = "false";
    const failed = (why) => {
      said.classList.add("failed");
      said.textContent = `Check-in NOT sent: ${why}. The timer at school is still running: ` +
        "try again, or phone your buddy.";
    };
    if (!navigator.onLine) { failed("this phone is offline"); return; }
    try {
      const answer = await fetch(form.action, { method: "POST", body, headers: { Accept: "application/json" } });
      const result = await answer.json();
      if (!answer.ok || !result.sent) { failed((result.problems || []).join("; ") || `error ${answer.status}`); return; }
      said.classList.remove("failed");
      said.textContent = `Check-in sent at ${clockNow()}.`;
      const due = form.querySelector("time[data-countdown]");
      if (due && form.dataset.interval) {
        due.setAttribute("datetime", new Date(Date.now() + Number(form.dataset.interval) * 60000).toISOString());
      }
    } catch (error) {
      failed("no connection");
    }
  });
}

function liveBoard(board) {
  const sound = document.querySelector("[data-sound]");
  const count = () => Number((board.querySelector("[data-escalations]") || { dataset: {} }).dataset.escalations || 0);
  const source = new EventSource(board.dataset.live);
  source.addEventListener("board", (event) => {
    const before = count();
    board.innerHTML = event.data;
    board.dataset.updated = String(Date.now());
    countdown();
    if (sound && sound.checked && count() > before) beep();
  });
}

function beep() {
  const audio = new (window.AudioContext || window.webkitAudioContext)();
  const tone = audio.createOscillator();
  tone.connect(audio.destination);
  tone.frequency.value = 880;
  tone.start();
  tone.stop(audio.currentTime + 0.6);
}

function grid(form) {
  // Appendix 4: each hazard's score is likelihood x consequence, banded as the policy bands it
  const band = (s) => (s <= 4 ? "low" : s <= 9 ? "medium" : s <= 16 ? "high" : "very high");
  const show = () => form.querySelectorAll("[data-row]").forEach((row) => {
    const s = Number(row.querySelector("[data-likelihood]").value) *
      Number(row.querySelector("[data-consequence]").value);
    row.querySelector("[data-score]").textContent = s;
    row.querySelector("[data-band]").textContent = band(s);
  });
  form.addEventListener("change", show);
  show();
}

function filterChoices(box) {
  // a long staff register: part of a name shows only those it matches; the ticked stay shown
  const list = document.getElementById(box.dataset.filter);
  const input = box.querySelector("input");
  // as the server folds names: accents, apostrophes and hyphens aside (O'Brien, OBrien)
  const fold = (s) => s.normalize("NFKD").replace(/[\u0300-\u036f'\u2018\u2019`\u00b4.-]/g, "")
    .toLowerCase();
  box.hidden = false;
  input.addEventListener("keydown", (e) => { if (e.key === "Enter") e.preventDefault(); });
  input.addEventListener("input", () => {
    const words = fold(input.value).split(/\s+/).filter(Boolean);
    list.querySelectorAll(".choice").forEach((choice) => {
      const text = fold(choice.textContent);
      choice.hidden = !choice.querySelector("input").checked && !words.every((w) => text.includes(w));
    });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-filter]").forEach(filterChoices);
  document.querySelectorAll("form[data-checkin]").forEach(checkIn);
  document.querySelectorAll("[data-live]").forEach(liveBoard);
  document.querySelectorAll("form[data-grid]").forEach(grid);
  document.querySelectorAll("[data-print]").forEach((b) => b.addEventListener("click", () => window.print()));
  countdown();
  setInterval(countdown, 1000);
});
