// The operator console. Every value shown comes from data the app received (hostile strings included): it is only ever
// put in the page as text (textContent / option.text / value), never as HTML. The admin key lives in `key` below, in this
// page's memory only: sent as the x-functions-key header, never in a URL, a cookie or storage.
"use strict";
(() => {
  const api = "/api/";
  const refreshMs = 5000;
  let key = null;
  let timer = null;

  const $ = (id) => document.getElementById(id);

  function text(tag, value, className) {
    const element = document.createElement(tag);
    element.textContent = value === null || value === undefined ? "" : String(value);
    if (className) element.className = className;
    return element;
  }

  function when(value) {
    if (!value) return "–";
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? String(value) : date.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
  }

  function age(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    if (seconds < 120) return seconds.toFixed(0) + " s";
    if (seconds < 7200) return (seconds / 60).toFixed(0) + " min";
    return (seconds / 3600).toFixed(1) + " h";
  }

  function setState(id, message, isError) {
    const element = $(id);
    element.textContent = message;
    element.classList.toggle("error", Boolean(isError));
  }

  class Refused extends Error {}

  async function call(path, options) {
    if (!key) throw new Refused("No admin key: enter it above.");
    const headers = { "x-functions-key": key, "accept": "application/json" };
    if (options && options.body) headers["content-type"] = "application/json";
    const response = await fetch(api + path, {
      method: (options && options.method) || "GET",
      headers,
      body: options && options.body ? JSON.stringify(options.body) : undefined,
      credentials: "omit",
      cache: "no-store",
    });
    let body = null;
    try { body = await response.json(); } catch { body = null; }
    if (response.status === 401 || response.status === 403) {
      forgetKey("The key was refused (" + response.status + "): " + (body && body.message ? body.message : "enter the admin key."), true);
      throw new Refused("refused");
    }
    return { status: response.status, body };
  }

  function replaceRows(tbody, rows) {
    tbody.replaceChildren(...rows);
  }

  async function loadPipeline() {
    const { status, body } = await call("console/pipeline");
    if (status !== 200) throw new Error("pipeline: HTTP " + status);
    replaceRows($("queues").tBodies[0], body.queues.map((q) => {
      const row = document.createElement("tr");
      row.append(text("td", q.name), text("td", q.exists ? q.depth : "(not created)", "num"), text("td", age(q.oldest_age_seconds), "num"));
      row.dataset.queue = q.name;
      return row;
    }));
    replaceRows($("partners").tBodies[0], (body.partner_failing || []).map((p) => {
      const row = document.createElement("tr");
      row.dataset.channel = p.channel_id;
      row.append(text("td", p.channel_id), text("td", p.failing_since ? when(p.failing_since) : "recovered"),
        text("td", p.waiting, "num"), text("td", p.next_attempt_at ? when(p.next_attempt_at) : "–"),
        text("td", p.given_up, "num"), text("td", p.last_reason || "", "reason"));
      return row;
    }));
    $("mapped-last-hour").textContent = String(body.mapped_last_hour);
    const budget = body.front_budget;
    $("budget-used").textContent = budget.requests_last_minute + " of " + budget.limit_per_minute;
    $("budget-last-429").textContent = budget.last_throttled_at ? when(budget.last_throttled_at) + " (" + budget.throttled_responses + " since start)" : "none since start";
    $("budget-paused").textContent = budget.paused_until ? when(budget.paused_until) : "open";
    $("pipeline-updated").textContent = "updated " + when(body.generated_at);
  }

  async function loadChannels() {
    const { status, body } = await call("console/channels");
    if (status !== 200) throw new Error("channels: HTTP " + status);
    replaceRows($("channels").tBodies[0], body.channels.map((c) => {
      const row = document.createElement("tr");
      row.dataset.channel = c.channel_id;
      const since = c.status === "Deleted" ? "deleted " + when(c.deleted_at) : "authorized " + when(c.authorized_at);
      row.append(text("td", c.channel_id), text("td", c.status, "status-" + c.status), text("td", since),
        text("td", c.messages_mapped, "num messages-mapped"), text("td", when(c.last_notification_at)));
      return row;
    }));
    // The channel pickers (filter and lookup), keeping the current choice.
    const select = $("failures-channel");
    const chosen = select.value;
    select.replaceChildren(new Option("all channels", ""), ...body.channels.map((c) => new Option(c.channel_id, c.channel_id)));
    select.value = body.channels.some((c) => c.channel_id === chosen) ? chosen : "";
    $("channel-ids").replaceChildren(...body.channels.map((c) => { const o = document.createElement("option"); o.value = c.channel_id; return o; }));
  }

  async function loadFailures() {
    const channel = $("failures-channel").value;
    const { status, body } = await call("console/failures" + (channel ? "?channel_id=" + encodeURIComponent(channel) : ""));
    if (status !== 200) throw new Error("failures: HTTP " + status);
    $("requeue-channel").disabled = !channel || body.failures.length === 0;
    replaceRows($("failures").tBodies[0], body.failures.map((f) => {
      const row = document.createElement("tr");
      row.dataset.failureId = f.failure_id;
      row.dataset.channel = f.channel_id;
      const button = text("button", "Re-queue");
      button.type = "button";
      button.className = "requeue-one";
      button.addEventListener("click", () => requeue({ channel_id: f.channel_id, failure_id: f.failure_id }, button));
      const action = document.createElement("td");
      action.append(button);
      row.append(text("td", f.channel_id), text("td", f.message_id || "(unreadable message)"), text("td", f.reason, "reason"),
        text("td", f.attempts, "num"), text("td", when(f.failed_at)),
        text("td", f.front_notified_at ? "marked failed " + when(f.front_notified_at) : (f.front_notify_error ? "not told: " + f.front_notify_error : "–")), action);
      return row;
    }));
    const count = body.failures.length;
    setState("failures-state", count === 0 ? "No poisoned deliveries" + (channel ? " for this channel." : ".")
      : count + " poisoned deliver" + (count === 1 ? "y" : "ies") + (body.truncated ? " (more not shown)" : "") + ".", false);
  }

  async function requeue(request, button) {
    if (button) button.disabled = true;
    try {
      const { status, body } = await call("console/requeue", { method: "POST", body: request });
      if (status === 200) {
        setState("requeue-result", "Re-queued " + body.requeued + " message(s) to the ingest queue at " + when(new Date().toISOString()) + ".", false);
      } else {
        setState("requeue-result", "Re-queue failed (HTTP " + status + "): " + (body && body.message ? body.message : ""), true);
      }
      await loadFailures();
    } catch (error) {
      if (!(error instanceof Refused)) setState("requeue-result", "Re-queue failed: " + error.message, true);
    } finally {
      if (button) button.disabled = false;
    }
  }

  async function loadUnknownImports() {
    const channel = $("failures-channel").value;
    const { status, body } = await call("console/imports/unknown" + (channel ? "?channel_id=" + encodeURIComponent(channel) : ""));
    if (status !== 200) throw new Error("unknown imports: HTTP " + status);
    replaceRows($("unknown-imports").tBodies[0], body.imports.map((i) => {
      const row = document.createElement("tr");
      const button = text("button", "Send again");
      button.type = "button";
      button.className = "send-again";
      button.disabled = !i.can_send_again;
      button.title = i.can_send_again ? "May create a second copy in Front." : !i.body_kept ? "The body was too large to keep."
        : "Front's notification may still come until " + when(i.send_again_from) + ".";
      button.addEventListener("click", () => sendAgain(i, button));
      const action = document.createElement("td");
      action.append(button);
      row.append(text("td", i.channel_id), text("td", i.external_id), text("td", i.direction), text("td", when(i.since)),
        text("td", i.reason || "", "reason"), action);
      return row;
    }));
    const count = body.imports.length;
    setState("unknown-imports-state", count === 0 ? "No imports with an unknown outcome."
      : count + " import" + (count === 1 ? "" : "s") + " with an unknown outcome" + (body.truncated ? " (more not shown)" : "") + ".", false);
  }

  async function sendAgain(item, button) {
    if (!window.confirm("Front may already have " + item.external_id + ". Sending it again may create a second copy in Front. Send it again?")) return;
    button.disabled = true;
    try {
      const { status, body } = await call("console/imports/send-again", { method: "POST", body: { channel_id: item.channel_id, external_id: item.external_id } });
      setState("send-again-result", status === 202 && body.status === "accepted" ? "Sent again: Front accepted " + item.external_id + "."
        : "Send again of " + item.external_id + ": HTTP " + status + " " + (body && (body.message || body.reason || body.status) || ""), status !== 202 || body.status !== "accepted");
      await loadUnknownImports();
    } catch (error) {
      if (!(error instanceof Refused)) setState("send-again-result", "Send again failed: " + error.message, true);
    } finally {
      button.disabled = false;
    }
  }

  // The last hour as charts (uPlot, served beside this script). Each chart is rebuilt only when its lines change (a new
  // company), otherwise given the new data. Labels (company and queue names) are set by uPlot as text.
  const charts = {};
  const palette = ["#2f6fde", "#1b7f3b", "#b35c00", "#8e44ad", "#b3261e", "#00838f", "#6d4c41", "#5c6bc0"];

  function draw(id, title, minutes, lines, unit) {
    const element = $(id);
    const data = [minutes.map((m) => Date.parse(m) / 1000), ...lines.map((l) => l.values)];
    const signature = lines.map((l) => l.label).join("\n");
    const existing = charts[id];
    if (existing && existing.signature === signature) {
      existing.plot.setData(data);
      return;
    }
    if (existing) existing.plot.destroy();
    const options = {
      title, width: Math.max(320, element.clientWidth || 480), height: 200,
      series: [{}, ...lines.map((l, i) => ({ label: l.label, stroke: palette[i % palette.length], width: 2, points: { show: false } }))],
      axes: [{}, { label: unit, size: 60 }],
      scales: { x: { time: true } },
    };
    charts[id] = { signature, plot: new uPlot(options, data, element) };
  }

  const total = (values) => values.reduce((sum, v) => sum + (v || 0), 0);
  const latest = (values) => { for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null && values[i] !== undefined) return values[i]; return null; };
  const named = (body, name) => body.series.filter((s) => s.name === name);

  async function loadCharts() {
    const { status, body } = await call("console/charts");
    if (status !== 200) throw new Error("charts: HTTP " + status);
    if (typeof uPlot === "undefined") throw new Error("charts: the chart library did not load");
    const traffic = [["notifications_in", "notifications in"], ["messages_mapped", "messages mapped"], ["replies_delivered", "replies delivered"]]
      .map(([name, label]) => ({ label, values: named(body, name)[0].values }));
    draw("chart-traffic", "Notifications, mapped messages, delivered replies", body.minutes, traffic, "per minute");
    $("totals-traffic").textContent = traffic.map((l) => l.label + ": " + total(l.values)).join(" · ");
    const front = [...named(body, "front_calls").map((s) => ({ label: "calls " + s.company, values: s.values })),
      ...named(body, "front_429s").map((s) => ({ label: "429s " + s.company, values: s.values }))];
    draw("chart-front", "Front API calls and 429s, per company", body.minutes, front.length ? front : [{ label: "calls", values: body.minutes.map(() => 0) }], "per minute");
    $("totals-front").textContent = front.length ? front.map((l) => l.label + ": " + total(l.values)).join(" · ") : "no Front calls this hour";
    const backlog = named(body, "backlog").map((s) => ({ label: s.queue, values: s.values }));
    draw("chart-backlog", "Backlog (messages waiting)", body.minutes, backlog, "messages");
    $("totals-backlog").textContent = backlog.map((l) => l.label + " now: " + (latest(l.values) ?? "–")).join(" · ");
    const ages = named(body, "oldest_age_seconds").map((s) => ({ label: s.queue, values: s.values }));
    draw("chart-age", "Oldest message age", body.minutes, ages, "seconds");
    $("totals-age").textContent = ages.map((l) => l.label + " now: " + age(latest(l.values))).join(" · ");
    $("charts-updated").textContent = "updated " + when(body.generated_at);
  }

  let refreshing = false;

  async function refresh() {
    if (!key || refreshing) return; // a slow refresh is not overlapped by the next tick
    refreshing = true;
    let results;
    try {
      results = await Promise.allSettled([loadPipeline(), loadChannels(), loadFailures(), loadUnknownImports(), loadCharts()]);
    } finally {
      refreshing = false;
    }
    const failed = results.filter((r) => r.status === "rejected" && !(r.reason instanceof Refused));
    if (key) {
      setState("key-state", failed.length === 0 ? "Connected; refreshing every " + refreshMs / 1000 + " s."
        : "Refresh failed: " + failed.map((r) => r.reason.message).join("; "), failed.length > 0);
    }
  }

  function clearData() {
    for (const id of ["queues", "partners", "channels", "failures"]) replaceRows($(id).tBodies[0], []);
    for (const id of ["mapped-last-hour", "budget-used", "budget-last-429", "budget-paused", "totals-traffic", "totals-front", "totals-backlog", "totals-age"]) $(id).textContent = "–";
    for (const id of Object.keys(charts)) { charts[id].plot.destroy(); delete charts[id]; }
    $("charts-updated").textContent = "";
    $("pipeline-updated").textContent = "";
    $("lookup-result").textContent = "";
    setState("failures-state", "", false);
    setState("requeue-result", "", false);
  }

  function forgetKey(message, isError) {
    key = null;
    if (timer) { clearInterval(timer); timer = null; }
    clearData();
    $("key-form").hidden = false;
    $("forget-key").hidden = true;
    setState("key-state", message, isError);
  }

  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("key-input");
    const given = input.value.trim();
    input.value = "";
    if (!given) { setState("key-state", "Enter the admin key to load data.", true); return; }
    key = given;
    $("key-form").hidden = true;
    $("forget-key").hidden = false;
    setState("key-state", "Connecting…", false);
    refresh();
    timer = setInterval(refresh, refreshMs);
  });

  $("forget-key").addEventListener("click", () => forgetKey("Key forgotten. Enter the admin key to load data.", false));
  $("failures-filter").addEventListener("submit", (event) => event.preventDefault());
  $("failures-channel").addEventListener("change", () => loadFailures().catch((e) => { if (!(e instanceof Refused)) setState("failures-state", e.message, true); }));
  $("requeue-channel").addEventListener("click", (event) => {
    const channel = $("failures-channel").value;
    if (channel) requeue({ channel_id: channel }, event.currentTarget);
  });
  $("requeue-all").addEventListener("click", () => { $("requeue-confirm").hidden = false; });
  $("requeue-all-no").addEventListener("click", () => { $("requeue-confirm").hidden = true; });
  $("requeue-all-yes").addEventListener("click", (event) => {
    $("requeue-confirm").hidden = true;
    requeue({ all: true }, event.currentTarget);
  });

  $("lookup-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const channel = $("lookup-channel").value.trim();
    const id = $("lookup-id").value;
    if (!channel || !id) { setState("lookup-state", "Give a channel and an id.", true); return; }
    const path = "map/" + encodeURIComponent(channel) + "/" + $("lookup-kind").value + "?" + $("lookup-by").value + "=" + encodeURIComponent(id);
    try {
      const { status, body } = await call(path);
      if (status === 200 && $("lookup-kind").value === "conversations" && body.external_conversation_ids && body.external_conversation_ids.length > 0) {
        // The conversation as Front has it now, through the partner API (docs/partner-api.md): one Front call. Fetched
        // directly, not through call(): a 403 here is Front refusing the channel token, not the admin key refused.
        const response = await fetch(api + "channels/" + encodeURIComponent(channel) + "/conversations/" + encodeURIComponent(body.external_conversation_ids[0]),
          { headers: { "x-functions-key": key, "accept": "application/json" }, credentials: "omit", cache: "no-store" });
        const front = { status: response.status, body: await response.json().catch(() => null) };
        body.front_state = front.status === 200
          ? { status: front.body.status, assignee: front.body.assignee && (front.body.assignee.email || front.body.assignee.id), tags: front.body.tags.map((t) => t.name || t.id), merged_into: front.body.merged_into }
          : "HTTP " + front.status + (front.body && front.body.message ? ": " + front.body.message : "");
      }
      setState("lookup-state", status === 200 ? "Found (HTTP 200)." : "HTTP " + status + (body && body.message ? ": " + body.message : ""), status !== 200);
      $("lookup-result").textContent = body === null ? "" : JSON.stringify(body, null, 2);
    } catch (error) {
      if (!(error instanceof Refused)) setState("lookup-state", error.message, true);
    }
  });
})();
