// Building the page with createElement and textContent only. Server data is untrusted (names
// and reasons typed by staff), so no HTML string is ever parsed; and the CSP forbids inline
// styles, so no `style` attribute is ever set (positions go through the CSSOM instead).

// el('a', {href: '#/queue', test: 'nav-queue', onclick: fn}, 'text', childNode, [more])
//   class: string or array; test: data-test; dataset: {key: value}; on*: listeners;
//   value / checked / selected: set as properties, after the children (a select needs its
//   options first); true: an empty attribute; false, null, undefined: left out.
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  const late = [];
  for (const [name, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'style' || name === 'innerHTML' || name === 'outerHTML') {
      throw new Error(`el(): ${name} is not allowed`);
    }
    if (name === 'class') {
      node.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    } else if (name === 'test') {
      node.dataset.test = value;
    } else if (name === 'dataset') {
      for (const [key, v] of Object.entries(value)) if (v !== undefined && v !== null) node.dataset[key] = v;
    } else if (name.startsWith('on') && typeof value === 'function') {
      node.addEventListener(name.slice(2), value);
    } else if (name === 'value' || name === 'checked' || name === 'selected') {
      late.push([name, value]);
    } else {
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(node, children);
  for (const [name, value] of late) node[name] = value;
  return node;
}

// Appends strings (as text), nodes and nested arrays; skips null, undefined and false.
export function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

// Replaces a node's content.
export function fill(node, ...children) {
  clear(node);
  return append(node, children);
}

let idCounter = 0;
// A unique id, to tie a <label for> to its input.
export function uid(prefix = 'f') {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

// A definition list from [label, value] pairs; rows whose value is empty are left out, so that
// a record shows what it has rather than a column of dashes.
export function definitionList(rows, props = {}) {
  const dl = el('dl', { class: 'fields', ...props });
  for (const row of rows) {
    if (!row) continue;
    const [label, value, test] = row;
    if (value === undefined || value === null || value === '' ||
        (Array.isArray(value) && value.length === 0)) continue;
    dl.append(el('div', { class: 'field', test }, el('dt', {}, label), el('dd', {}, value)));
  }
  return dl;
}

// A section with a heading; `level` 2 by default.
export function section(title, props = {}, ...children) {
  const { level, ...rest } = props;
  const headingId = uid('h');
  return el('section', { class: 'panel', 'aria-labelledby': headingId, ...rest },
      el(level === 3 ? 'h3' : 'h2', { id: headingId }, title), ...children);
}
