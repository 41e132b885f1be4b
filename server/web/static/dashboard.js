// Opens a report's flamegraph in the shared viewer module (the notebook widget's own code).
import { mountViewer } from "/static/viewer.js";

const dialog = document.getElementById("viewer-dialog");
const host = document.getElementById("viewer-host");
const title = document.getElementById("viewer-title");
const context = document.getElementById("viewer-context");
let handle = null;

async function freshUrl(button) {
  const response = await fetch(`/api/flamegraphs/${encodeURIComponent(button.dataset.id)}/url`, {
    credentials: "same-origin",
  });
  if (!response.ok) throw new Error(`could not renew the link (HTTP ${response.status})`);
  const { url } = await response.json();
  // The next opening starts from the fresh link instead of failing on the expired one again.
  button.dataset.url = url;
  return url;
}

function close() {
  if (handle) handle.destroy();
  handle = null;
  host.replaceChildren();
  if (dialog.open) dialog.close();
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-testid=open-flamegraph]");
  if (!button || !dialog) return;
  close();
  title.textContent = button.dataset.fileName;
  if (context) context.textContent = button.dataset.context || "";
  dialog.showModal();
  handle = mountViewer(host, {
    url: button.dataset.url,
    fileName: button.dataset.fileName,
    refreshUrl: () => freshUrl(button),
  });
});

document.getElementById("viewer-close")?.addEventListener("click", close);
dialog?.addEventListener("close", () => {
  if (handle) close();
});
// Escape in the viewer's search box clears the search (the viewer handles that); it must not
// also close the dialog. Capture phase: the viewer clears the box before the event bubbles.
dialog?.addEventListener(
  "keydown",
  (event) => {
    const target = event.target;
    if (event.key === "Escape" && target instanceof HTMLInputElement && target.value) {
      event.preventDefault();
    }
  },
  true,
);
