// The playground: a chat against this server's public API (/v1/models, /v1/chat/completions streamed, /detokenize),
// showing tool calls as they stream, the tool-call parser's verdict, and the model's raw text beside the parsed result.
"use strict";

const $ = id => document.getElementById(id);
const DEFAULT_TOOLS = [
  { type: "function", function: { name: "get_weather", description: "Get the current weather in a city.", parameters: { type: "object",
    properties: { city: { type: "string", description: "The city name." }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } }, required: ["city"] } } },
  { type: "function", function: { name: "get_time", description: "Get the current local time in a city.", parameters: { type: "object",
    properties: { city: { type: "string", description: "The city name." } }, required: ["city"] } } },
  { type: "function", function: { name: "convert_currency", description: "Convert an amount of money from one currency to another.", parameters: { type: "object",
    properties: { amount: { type: "number" }, from: { type: "string" }, to: { type: "string" } }, required: ["amount", "from", "to"] } } },
  { type: "function", function: { name: "add_numbers", description: "Add two numbers.", parameters: { type: "object",
    properties: { a: { type: "number" }, b: { type: "number" } }, required: ["a", "b"] } } },
];

let messages = [];
let busy = false;

function headers() {
  const h = { "Content-Type": "application/json" };
  const key = $("api-key").value.trim();
  if (key) h.Authorization = "Bearer " + key;
  return h;
}

function showError(text) {
  $("error").textContent = text || "";
  $("error").hidden = !text;
}

async function apiError(response) {
  try { return (await response.json()).error.message; } catch { return `${response.status} ${response.statusText}`; }
}

async function loadModels() {
  const response = await fetch("/v1/models", { headers: headers() });
  if (!response.ok) { showError(await apiError(response)); return; }
  const select = $("model");
  const current = select.value;
  select.replaceChildren(...(await response.json()).data.map(m => new Option(m.id, m.id)));
  if (current) select.value = current;
  showError("");
}

function readTools() {
  const text = $("tools").value.trim();
  $("tools-error").hidden = true;
  if (!text) return [];
  try {
    const tools = JSON.parse(text);
    if (!Array.isArray(tools)) throw new Error("the tools must be a JSON array");
    return tools;
  } catch (e) {
    $("tools-error").textContent = "Tools: " + e.message;
    $("tools-error").hidden = false;
    return null;
  }
}

function addMessage(role, text) {
  const div = document.createElement("div");
  div.className = "message " + role;
  div.dataset.role = role;
  const content = document.createElement("div");
  content.className = "content";
  content.textContent = text || "";
  div.append(content);
  $("transcript").append(div);
  $("transcript").scrollTop = $("transcript").scrollHeight;
  return div;
}

// One streamed assistant turn: text and tool calls grow as their deltas arrive.
async function runTurn(toolChoice) {
  const tools = readTools();
  if (tools === null) return;
  busy = true;
  $("send").disabled = true;
  showError("");
  const bubble = addMessage("assistant", "");
  const content = bubble.querySelector(".content");
  const calls = [];
  const tokenIds = [];
  let text = "";
  let parse = null;
  const body = {
    model: $("model").value, messages, stream: true, return_token_ids: true,
    temperature: Number($("temperature").value), max_tokens: Number($("max-tokens").value),
  };
  if (tools.length > 0) { body.tools = tools; body.tool_choice = toolChoice || $("tool-choice").value; }
  try {
    const response = await fetch("/v1/chat/completions", { method: "POST", headers: headers(), body: JSON.stringify(body) });
    if (!response.ok) throw new Error(await apiError(response));
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        for (const line of event.split("\n")) {
          if (!line.startsWith("data: ") || line === "data: [DONE]") continue;
          const chunk = JSON.parse(line.slice(6));
          if (chunk.error) throw new Error(chunk.error.message);
          for (const choice of chunk.choices || []) {
            if (choice.token_ids) tokenIds.push(...choice.token_ids);
            const delta = choice.delta || {};
            if (delta.content) { text += delta.content; content.textContent = text; }
            for (const d of delta.tool_calls || []) {
              let call = calls[d.index];
              if (!call) {
                call = calls[d.index] = { id: d.id, name: d.function.name, arguments: "", card: toolCard(bubble, d.function.name) };
              }
              if (d.function.arguments) {
                call.arguments += d.function.arguments;
                call.card.querySelector(".arguments").textContent = call.arguments;
              }
            }
            if (choice.tool_parse) parse = choice.tool_parse;
          }
        }
      }
    }
    for (const call of calls) {
      const status = call.card.querySelector(".status");
      status.textContent = parse ? parse.status : "no parse report";
      status.className = "status " + (parse ? parse.status : "");
      if (parse && parse.errors && parse.errors.length) status.title = parse.errors.map(e => e.code + ": " + e.message).join("\n");
    }
    $("parsed").textContent = JSON.stringify({ content: text || null, tool_calls: calls.map(c => ({ id: c.id, name: c.name, arguments: c.arguments })), tool_parse: parse }, null, 2);
    messages.push({ role: "assistant", content: text || null, ...(calls.length ? { tool_calls: calls.map(c => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } })) } : {}) });
    if (calls.length) resultForm(bubble, calls);
    await showRaw(tokenIds);
  } catch (e) {
    showError(e.message);
  } finally {
    busy = false;
    $("send").disabled = false;
  }
}

function toolCard(bubble, name) {
  const card = document.createElement("div");
  card.className = "tool-call";
  card.dataset.name = name;
  card.innerHTML = '<span class="name"></span><span class="status">streaming…</span><div class="arguments"></div>';
  card.querySelector(".name").textContent = name + "(…)";
  bubble.append(card);
  return card;
}

// Tool results are typed by hand and sent back as `tool` messages answering each call.
function resultForm(bubble, calls) {
  const form = document.createElement("form");
  form.className = "tool-results";
  for (const call of calls) {
    const row = document.createElement("div");
    row.className = "tool-result";
    row.innerHTML = '<input placeholder="result">';
    row.querySelector("input").placeholder = `result of ${call.name}`;
    row.dataset.callId = call.id;
    form.append(row);
  }
  const button = document.createElement("button");
  button.type = "submit";
  button.id = "send-results";
  button.textContent = "Send results";
  form.append(button);
  form.addEventListener("submit", async e => {
    e.preventDefault();
    if (busy) return;
    for (const row of form.querySelectorAll(".tool-result")) {
      const output = row.querySelector("input").value;
      messages.push({ role: "tool", tool_call_id: row.dataset.callId, content: output });
      addMessage("tool", output);
    }
    form.remove();
    await runTurn();
  });
  bubble.append(form);
}

async function showRaw(tokenIds) {
  if (!tokenIds.length) { $("raw").textContent = ""; return; }
  const response = await fetch("/detokenize", { method: "POST", headers: headers(), body: JSON.stringify({ model: $("model").value, tokens: tokenIds }) });
  $("raw").textContent = response.ok ? (await response.json()).prompt : "(" + await apiError(response) + ")";
}

$("composer").addEventListener("submit", async e => {
  e.preventDefault();
  const text = $("input").value.trim();
  if (!text || busy) return;
  $("input").value = "";
  messages.push({ role: "user", content: text });
  addMessage("user", text);
  await runTurn();
});

$("reset").addEventListener("click", () => {
  messages = [];
  $("transcript").replaceChildren();
  $("raw").textContent = "";
  $("parsed").textContent = "";
});

$("api-key").value = localStorage.getItem("playground.apiKey") || "";
$("api-key").addEventListener("change", () => { localStorage.setItem("playground.apiKey", $("api-key").value); loadModels(); });
$("tools").value = JSON.stringify(DEFAULT_TOOLS, null, 2);
loadModels();
