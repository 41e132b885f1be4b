// Full screen for the viewer: the Fullscreen API when the page allows it, else a fallback class
// (dw-fs-fallback) that makes the viewer fill the window.

/**
 * @typedef {object} Fullscreen
 * @property {() => Promise<void>} toggle Enter or leave full screen.
 * @property {() => void} sync Mirror the state on data-fullscreen and the button.
 * @property {() => boolean} isOn In full screen, either way.
 * @property {() => boolean} isFallback Filling the window through the fallback class.
 * @property {() => void} exit Leave the real full screen, if in it (on destroy).
 */

/**
 * @param {HTMLElement} root The viewer.
 * @param {HTMLButtonElement} button Its full-screen button.
 * @returns {Fullscreen}
 */
export function createFullscreen(root, button) {
  const isFallback = () => root.classList.contains("dw-fs-fallback");
  const isOn = () => document.fullscreenElement === root || isFallback();

  function sync() {
    const on = isOn();
    root.dataset.fullscreen = String(on);
    button.setAttribute("aria-pressed", String(on));
    button.title = on ? "Exit full screen" : "Full screen";
  }

  async function toggle() {
    if (isFallback()) {
      root.classList.remove("dw-fs-fallback");
    } else if (document.fullscreenElement === root) {
      try {
        await document.exitFullscreen();
      } catch {
        // already left
      }
    } else {
      try {
        if (!root.requestFullscreen) throw new Error("no Fullscreen API");
        await root.requestFullscreen();
      } catch {
        // Refused (iframe without allowfullscreen, no user gesture...): fill the window instead.
        root.classList.add("dw-fs-fallback");
      }
    }
    sync();
  }

  function exit() {
    if (document.fullscreenElement === root) document.exitFullscreen().catch(() => {});
  }

  return { toggle, sync, isOn, isFallback, exit };
}
