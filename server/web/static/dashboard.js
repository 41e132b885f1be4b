// Opens a report's flamegraph in the shared viewer module (the notebook widget's own code).
import { mountViewer } from "/static/viewer.js";

const dialog = document.getElementById("viewer-dialog");
const host = document.getElementById("viewer-host");
const title = document.getElementById("viewer-title");
let handle = null;

async function freshUrl(id) {
  const response = await fetch(`/api/flamegraphs/${encodeURIComponent(id)}/url`, {
    credentials: "same-origin",
  });
  if (!response.ok) throw new Error(`could not renew the link (HTTP ${response.status})`);
  return (await response.json()).url;
}

function close() {
  if (handle) handle.destroy();
  handle = null;
  host.replaceChildren();
  if (dialog.open) dialog.close();
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-testid=open-flamegraph]");
  if (!button) return;
  close();
  title.textContent = button.dataset.fileName;
  dialog.showModal();
  handle = mountViewer(host, {
    url: button.dataset.url,
    fileName: button.dataset.fileName,
    refreshUrl: () => freshUrl(button.dataset.id),
  });
});

document.getElementById("viewer-close")?.addEventListener("click", close);
dialog?.addEventListener("close", () => {
  if (handle) close();
});
