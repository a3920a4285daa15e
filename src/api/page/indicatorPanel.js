// The indicator list: a form to add any indicator the API offers (GET /v1/indicators, grouped into those
// drawn over prices and those with a pane of their own) with its parameters, and the indicators shown, each
// with its parameters editable in place and a remove button. Bounds come from the API, so the browser's own
// validation (min/max/step) refuses what the server would refuse.

const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') e.textContent = v;
    else if (v !== undefined && v !== false) e.setAttribute(k, v === true ? '' : String(v));
  }
  e.append(...children);
  return e;
};

let uid = 0;

/** Number inputs for a definition's params, labelled, with the API's bounds. */
function paramInputs(def, values, idPrefix) {
  return def.params.map((p, i) => {
    const id = `${idPrefix}-${p.name}-${++uid}`;
    const input = el('input', {
      id, type: 'number', inputmode: p.integer ? 'numeric' : 'decimal', required: true, min: p.min, max: p.max,
      step: p.integer ? 1 : 'any', value: values[i] ?? p.default, 'data-param': p.name, title: p.description,
    });
    return el('div', { class: 'param' }, el('label', { for: id, text: p.name }), input);
  });
}

const readParams = (box) => [...box.querySelectorAll('input[data-param]')].map((i) => Number(i.value));

export class IndicatorPanel {
  /**
   * @param {{form: HTMLFormElement, select: HTMLSelectElement, params: HTMLElement, list: HTMLElement}} dom
   * @param {Array} catalog  /v1/indicators result
   * @param {{onAdd: (name:string, params:number[]) => void, onRemove: (id:string) => void, onChange: (id:string, params:number[]) => void}} handlers
   */
  constructor(dom, catalog, handlers) {
    this.dom = dom;
    this.catalog = new Map(catalog.map((d) => [d.name, d]));
    this.handlers = handlers;
    const overlays = el('optgroup', { label: 'On the price chart' });
    const panes = el('optgroup', { label: 'In a pane below' });
    for (const d of [...catalog].sort((a, b) => a.name.localeCompare(b.name))) {
      (d.overlay ? overlays : panes).append(el('option', { value: d.name, title: d.description, text: `${d.name} — ${d.title}` }));
    }
    dom.select.replaceChildren(overlays, panes);
    dom.select.addEventListener('change', () => this.showParamsOf(dom.select.value));
    this.showParamsOf(dom.select.value);
    dom.form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!dom.form.reportValidity()) return;
      handlers.onAdd(dom.select.value, readParams(dom.params));
    });
  }

  showParamsOf(name) {
    const def = this.catalog.get(name);
    const inputs = def ? paramInputs(def, [], 'add') : [];
    this.dom.params.replaceChildren(...(inputs.length ? inputs : [el('p', { class: 'hint', text: 'No parameters.' })]));
  }

  /** Choose an indicator in the add form (keyboard users and tests get there the same way). */
  choose(name) {
    this.dom.select.value = name;
    this.showParamsOf(name);
  }

  /** The indicators shown: [{id, def, params, label}]. */
  renderActive(active) {
    const items = active.map((ind) => {
      const box = el('div', { class: 'params' }, ...paramInputs(ind.def, ind.params, ind.id));
      const remove = el('button', { type: 'button', class: 'remove', 'aria-label': `Remove ${ind.label}`, text: 'Remove' });
      remove.addEventListener('click', () => this.handlers.onRemove(ind.id));
      const fieldset = el('fieldset', { 'data-indicator': ind.id }, el('legend', { text: ind.label }), box, remove);
      box.addEventListener('change', () => {
        const inputs = [...box.querySelectorAll('input')];
        if (inputs.every((i) => i.reportValidity())) this.handlers.onChange(ind.id, readParams(box));
      });
      return el('li', {}, fieldset);
    });
    this.dom.list.replaceChildren(...(items.length ? items : [el('li', { class: 'hint', text: 'None shown.' })]));
  }
}
