// Dark and light: the system's preference (prefers-color-scheme) unless the user picked one with the toggle,
// which is remembered in localStorage. Colours live in style.css as custom properties; the chart, drawn on a
// canvas, is told about them whenever the theme changes.
const KEY = 'candlestore.theme';
const dark = matchMedia('(prefers-color-scheme: dark)');

function stored() {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'dark' || v === 'light' ? v : null;
  } catch {
    return null; // storage disabled: follow the system
  }
}

export function currentTheme() {
  return document.documentElement.dataset.theme ?? (dark.matches ? 'dark' : 'light');
}

/** The chart's colours of the current theme, from the CSS custom properties. */
export function themeColors() {
  const css = getComputedStyle(document.documentElement);
  const v = (name) => css.getPropertyValue(name).trim();
  return { bg: v('--chart-bg'), fg: v('--fg'), grid: v('--grid'), border: v('--border') };
}

/** Wire the toggle button; `onChange()` runs at start and after every change. */
export function initTheme(button, onChange) {
  const choice = stored();
  if (choice) document.documentElement.dataset.theme = choice;
  const show = () => {
    const t = currentTheme();
    // A toggle with a fixed name: "Dark theme", pressed or not.
    button.setAttribute('aria-pressed', String(t === 'dark'));
    onChange();
  };
  button.addEventListener('click', () => {
    const next = currentTheme() === 'dark' ? 'light' : 'dark';
    document.documentElement.dataset.theme = next;
    try {
      localStorage.setItem(KEY, next);
    } catch {
      // not remembered; still applied
    }
    show();
  });
  dark.addEventListener('change', show);
  show();
}
