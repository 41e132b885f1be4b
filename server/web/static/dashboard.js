// Opens a report's flamegraph in the shared viewer module (the notebook widget's own code).
// `openFlamegraphs` shows one flamegraph, or two side by side (the benchmark page's chart
// opens the selected points' flamegraphs through it). An alert's differential flamegraph is
// drawn from both sides' folded stacks (`.../alerts/{id}/diff`) in the canvas's diff mode; its
// SVG (`.../diff.svg`) is only a download.
import { mountViewer } from "/static/viewer.js";

const dialog = /** @type {HTMLDialogElement | null} */ (document.getElementById("viewer-dialog"));
const host = document.getElementById("viewer-host");
const title = document.getElementById("viewer-title");
const context = document.getElementById("viewer-context");
let handles = [];

async function freshUrl(id) {
  const response = await fetch(`/api/flamegraphs/${encodeURIComponent(id)}/url`, {
    credentials: "same-origin",
  });
  if (!response.ok) throw new Error(`could not renew the link (HTTP ${response.status})`);
  const { url } = await response.json();
  return url;
}

/**
 * The flamegraph's folded stacks (same origin, behind the session), or null when it is a
 * picture only or they cannot be had: the viewer then shows the sanitized SVG instead.
 */
async function stacksOf(id) {
  try {
    const response = await fetch(`/api/flamegraphs/${encodeURIComponent(id)}/stacks`, {
      credentials: "same-origin",
    });
    if (!response.ok) return null;
    const body = await response.json();
    return body.status === "READY" && typeof body.folded === "string" && body.folded ? body.folded : null;
  } catch {
    return null;
  }
}

function close() {
  for (const handle of handles) handle.destroy();
  handles = [];
  host?.replaceChildren();
  if (dialog?.open) dialog.close();
}

/**
 * Show flamegraphs in the dialog: `[{id, url?, fileName, context}]`, one or two (side by side).
 * A missing or expired URL is renewed through `/api/flamegraphs/{id}/url`; an item with
 * `diffUrl` (an alert's diff: JSON with `baseFolded`/`headFolded`, behind the session) is drawn
 * as a differential flamegraph, its `svgUrl` offered by the download button.
 */
export async function openFlamegraphs(items, onUrl) {
  if (!dialog || !host || !items.length) return;
  close();
  title.textContent = items.map((i) => i.fileName).join("  vs  ");
  if (context) context.textContent = items.map((i) => i.context || "").join("  |  ");
  dialog.showModal();
  host.classList.toggle("compare-two", items.length > 1);
  for (const item of items) {
    const cell = document.createElement("div");
    cell.className = "viewer-cell";
    cell.dataset.testid = "viewer-cell";
    if (items.length > 1) {
      const label = document.createElement("div");
      label.className = "viewer-cell-label";
      label.textContent = item.context || item.fileName;
      cell.append(label);
    }
    const mount = document.createElement("div");
    mount.className = "viewer-cell-mount";
    cell.append(mount);
    host.append(cell);
    if (item.diffUrl) {
      // Same-origin JSON behind the session (an alert's diff), fetched here with the cookie;
      // the viewer draws both sides' stacks in diff mode.
      try {
        const response = await fetch(item.diffUrl, { credentials: "same-origin" });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const diff = await response.json();
        handles.push(
          mountViewer(mount, {
            folded: diff.headFolded,
            base: diff.baseFolded,
            mode: "flame",
            fileName: item.fileName,
            fallbackBytes: async () => {
              const svg = await fetch(item.svgUrl, { credentials: "same-origin" });
              if (!svg.ok) throw new Error(`HTTP ${svg.status}`);
              return svg.text();
            },
          }),
        );
      } catch (error) {
        mount.textContent = `This flamegraph cannot be opened: ${error.message}`;
      }
      continue;
    }
    const folded = item.id ? await stacksOf(item.id) : null;
    let url = item.url;
    if (!url) {
      try {
        url = await freshUrl(item.id);
        onUrl?.(item.id, url);
      } catch (error) {
        mount.textContent = `This flamegraph cannot be opened: ${error.message}`;
        continue;
      }
    }
    handles.push(
      mountViewer(mount, {
        url,
        folded: folded ?? undefined,
        fileName: item.fileName,
        refreshUrl: async () => {
          const next = await freshUrl(item.id);
          onUrl?.(item.id, next);
          return next;
        },
      }),
    );
  }
}

document.addEventListener("click", (event) => {
  const diffButton = event.target.closest("[data-testid=open-alert-diff]");
  if (diffButton && dialog) {
    void openFlamegraphs([
      {
        diffUrl: diffButton.dataset.diffUrl,
        svgUrl: diffButton.dataset.svgUrl,
        fileName: diffButton.dataset.fileName,
        context: diffButton.dataset.context,
      },
    ]);
    return;
  }
  const button = event.target.closest("[data-testid=open-flamegraph]");
  if (!button || !dialog) return;
  void openFlamegraphs(
    [
      {
        id: button.dataset.id,
        url: button.dataset.url,
        fileName: button.dataset.fileName,
        context: button.dataset.context,
      },
    ],
    // The next opening starts from the fresh link instead of failing on the expired one again.
    (_id, url) => {
      button.dataset.url = url;
    },
  );
});

document.getElementById("viewer-close")?.addEventListener("click", close);
dialog?.addEventListener("close", () => {
  if (handles.length) close();
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
