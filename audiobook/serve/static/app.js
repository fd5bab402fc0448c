// The page: every action is one call to the same HTTP API programs use.
"use strict";

const $ = (id) => document.getElementById(id);
let token = localStorage.getItem("audiobook-token") || "";
let book = null; // {file, chapters}
const shown = new Map(); // job id -> its list item

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (token) headers.Authorization = "Bearer " + token;
  const response = await fetch(path, Object.assign({}, options, { headers }));
  if (response.status === 401) {
    $("token-box").hidden = false;
    $("token").focus();
  }
  if (!response.ok) {
    let message = response.status + " " + response.statusText;
    try { message = (await response.json()).error.message; } catch (e) { /* not JSON: keep the status line */ }
    throw new Error(message);
  }
  return response;
}

function say(id, text) { $(id).textContent = text; }

// -- token --------------------------------------------------------------------------------------

$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  token = $("token").value.trim();
  localStorage.setItem("audiobook-token", token);
  $("token-box").hidden = true;
  loadVoices();
  refreshJobs();
});

// -- the book -----------------------------------------------------------------------------------

async function chooseFile(file) {
  book = null;
  $("start").disabled = true;
  $("chapters").hidden = true;
  if (!file) return;
  say("book-status", "Reading " + file.name + "…");
  const form = new FormData();
  form.append("file", file);
  try {
    const info = await (await api("/v1/inspect", { method: "POST", body: form })).json();
    book = { file, info };
    const list = $("chapter-list");
    list.replaceChildren();
    info.chapters.forEach((chapter) => {
      const item = document.createElement("li");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.checked = true;
      box.id = "chapter-" + chapter.number;
      box.value = String(chapter.number);
      const label = document.createElement("label");
      label.htmlFor = box.id;
      label.textContent = chapter.title + " ";
      const words = document.createElement("span");
      words.className = "words";
      words.textContent = "(" + chapter.words + " words)";
      label.append(words);
      item.append(box, " ", label);
      list.append(item);
    });
    $("chapters").hidden = info.chapters.length === 0;
    const total = info.chapters.reduce((n, c) => n + c.words, 0);
    say("book-status", `${info.title}: ${info.chapters.length} chapters, ${total} words.` +
      (info.warnings.length ? ` ${info.warnings.length} warning(s): ${info.warnings.slice(0, 3).join("; ")}` : ""));
    $("start").disabled = info.chapters.length === 0;
  } catch (error) {
    say("book-status", "Cannot read this book: " + error.message);
  }
}

$("file").addEventListener("change", () => chooseFile($("file").files[0]));
const drop = $("drop");
drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  if (event.dataTransfer.files.length) chooseFile(event.dataTransfer.files[0]);
});
$("all-chapters").addEventListener("click", () => setChapters(true));
$("no-chapters").addEventListener("click", () => setChapters(false));
function setChapters(on) { document.querySelectorAll("#chapter-list input").forEach((box) => { box.checked = on; }); }

function chosenChapters() {
  const boxes = [...document.querySelectorAll("#chapter-list input")];
  const picked = boxes.filter((b) => b.checked).map((b) => b.value);
  return picked.length === boxes.length ? "" : picked.join(",");
}

// -- voices -------------------------------------------------------------------------------------

async function loadVoices() {
  try {
    const listing = await (await api("/v1/audio/voices")).json();
    const select = $("voice");
    select.replaceChildren();
    const groups = new Map();
    listing.voices.forEach((voice) => {
      const key = voice.language || "other";
      if (!groups.has(key)) {
        const group = document.createElement("optgroup");
        group.label = key;
        groups.set(key, group);
        select.append(group);
      }
      const option = document.createElement("option");
      option.value = voice.name;
      option.textContent = voice.name + (voice.gender ? " (" + voice.gender + ")" : "");
      option.selected = voice.name === listing.default;
      groups.get(key).append(option);
    });
  } catch (error) {
    say("book-status", "Cannot list the voices: " + error.message);
  }
}

async function play(body, audio, statusId) {
  const response = await api("/v1/audio/speech", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(Object.assign({ model: "kokoro", response_format: "mp3" }, body)),
  });
  const blob = await response.blob();
  if (audio.src) URL.revokeObjectURL(audio.src);
  audio.src = URL.createObjectURL(blob);
  await audio.play().catch(() => { /* autoplay refused: the controls are there */ });
  if (statusId) say(statusId, "");
}

$("preview").addEventListener("click", async () => {
  const voice = $("voice").value;
  say("start-status", "Preparing a preview of " + voice + "…");
  try {
    await play({ voice, input: "Hello, I am " + voice.replace(/^[a-z]{2}_/, "") + ". I could read your book.", speed: Number($("speed").value) },
      $("preview-audio"), "start-status");
  } catch (error) {
    say("start-status", "Preview failed: " + error.message);
  }
});

$("speed").addEventListener("input", () => { $("speed-value").textContent = Number($("speed").value).toFixed(2); });
$("acx").addEventListener("change", () => {
  const acx = $("acx").checked;
  $("loudness").disabled = acx;
  $("format").disabled = acx;
});

// -- jobs ---------------------------------------------------------------------------------------

$("start").addEventListener("click", async () => {
  if (!book) return;
  const form = new FormData();
  form.append("file", book.file);
  const fields = {
    voice: $("voice").value,
    speed: $("speed").value,
    format: $("format").value,
    loudness: $("loudness").value,
    acx: $("acx").checked ? "true" : "",
    subtitles: $("subtitles").value,
    chapters: chosenChapters(),
  };
  Object.entries(fields).forEach(([key, value]) => { if (value) form.append(key, value); });
  $("start").disabled = true;
  try {
    const job = await (await api("/v1/jobs", { method: "POST", body: form })).json();
    say("start-status", "Started: " + job.filename + ". Progress is shown under Your audiobooks.");
    showJob(job);
    poll();
  } catch (error) {
    say("start-status", "Could not start: " + error.message);
  } finally {
    $("start").disabled = false;
  }
});

function seconds(s) {
  const m = Math.floor(s / 60);
  return m ? `${m} min ${Math.round(s % 60)} s` : `${Math.round(s)} s`;
}

function showJob(job) {
  let item = shown.get(job.id);
  if (!item) {
    item = document.createElement("li");
    item.dataset.id = job.id;
    shown.set(job.id, item);
    $("jobs").prepend(item);
  }
  $("jobs-empty").hidden = true;
  const p = job.progress;
  const title = document.createElement("h3");
  title.textContent = job.filename;
  const state = document.createElement("p");
  const label = document.createElement("span");
  label.className = "state " + job.state;
  label.textContent = job.state;
  state.append(label);
  if (job.state === "running" || job.state === "queued") {
    state.append(` — ${p.done} of ${p.total || "?"} sentences, ${seconds(p.audio_seconds)} of audio` +
      (p.eta_seconds != null ? `, about ${seconds(p.eta_seconds)} left` : ""));
  } else if (job.state === "done" && job.result) {
    state.append(` — ${seconds(job.result.seconds)} of audio, voice ${job.result.voice}`);
  } else if (job.error) {
    state.append(" — " + job.error);
  }
  const parts = [title, state];
  if (job.chapters.length && job.state !== "failed") {
    const grid = document.createElement("div");
    grid.className = "chapter-progress";
    job.chapters.forEach((chapter, i) => {
      const id = `job-${job.id}-chapter-${i}`;
      const name = document.createElement("label");
      name.htmlFor = id;
      name.textContent = chapter.title;
      const bar = document.createElement("progress");
      bar.id = id;
      bar.max = Math.max(chapter.units || 1, 1);
      bar.value = job.state === "done" ? bar.max : Math.min(chapter.done || 0, bar.max);
      grid.append(name, bar);
    });
    parts.push(grid);
  }
  const links = document.createElement("p");
  links.className = "links";
  if (job.state === "done") {
    const audio = document.createElement("a");
    audio.href = `/v1/jobs/${job.id}/audio`;
    audio.textContent = "Download the audiobook";
    audio.setAttribute("download", "");
    links.append(audio);
    if (job.options.subtitles) {
      const subs = document.createElement("a");
      subs.href = `/v1/jobs/${job.id}/subtitles`;
      subs.textContent = "Subtitles";
      links.append(subs);
    }
  }
  const remove = document.createElement("button");
  remove.type = "button";
  const active = job.state === "running" || job.state === "queued";
  remove.textContent = active ? "Cancel" : "Remove";
  remove.setAttribute("aria-label", (active ? "Cancel " : "Remove ") + job.filename);
  remove.addEventListener("click", async () => {
    await api(`/v1/jobs/${job.id}`, { method: "DELETE" });
    if (!active) { item.remove(); shown.delete(job.id); } else { poll(); }
  });
  links.append(remove);
  parts.push(links);
  if (job.warnings.length) {
    const warn = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = job.warnings.length + " warning(s)";
    const list = document.createElement("ul");
    job.warnings.forEach((w) => { const li = document.createElement("li"); li.textContent = w; list.append(li); });
    warn.append(summary, list);
    parts.push(warn);
  }
  item.replaceChildren(...parts);
  item.dataset.state = job.state;
}

let timer = null;
async function refreshJobs() {
  try {
    const jobs = (await (await api("/v1/jobs")).json()).jobs;
    jobs.slice().reverse().forEach(showJob);
    return jobs.some((j) => j.state === "running" || j.state === "queued");
  } catch (error) {
    return false;
  }
}
async function poll() {
  clearTimeout(timer);
  // Every two seconds: well inside the default request rate, even with a few pages open.
  if (await refreshJobs()) timer = setTimeout(poll, 2000);
}

// -- SSML box -----------------------------------------------------------------------------------

let checkTimer = null;
let checking = 0;
async function check() {
  const text = $("ssml").value;
  const mine = ++checking;
  try {
    const result = await (await api("/v1/check", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ input: text }),
    })).json();
    if (mine !== checking) return; // a newer check is on its way
    const box = $("ssml-problems");
    box.replaceChildren();
    if (!result.problems.length) {
      const ok = document.createElement("p");
      ok.className = "ok";
      ok.textContent = "No problems (" + result.format + ").";
      box.append(ok);
    }
    result.problems.forEach((problem) => {
      const line = document.createElement("p");
      line.className = "bad";
      const where = problem.line != null ? `${problem.line}:${problem.column ?? 1}: ` : "";
      line.textContent = where + problem.message;
      box.append(line);
    });
  } catch (error) {
    say("ssml-problems", error.message);
  }
}
$("ssml").addEventListener("input", () => { clearTimeout(checkTimer); checkTimer = setTimeout(check, 300); });
$("play").addEventListener("click", async () => {
  $("play").disabled = true;
  try {
    await play({ voice: $("voice").value, input: $("ssml").value, speed: Number($("speed").value) }, $("ssml-audio"));
  } catch (error) {
    say("ssml-problems", "Cannot play: " + error.message);
  } finally {
    $("play").disabled = false;
  }
});

loadVoices();
poll();
check();
