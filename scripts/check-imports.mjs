// Import-structure check (part of `npm run check`): no import cycle between files (type-only imports aside)
// and none between folders, where a folder is a capability: libs/<lib>, libs/pipeline/<capability>,
// apps/<app> and workers/<worker>. Exits 1 and names the cycle when there is one.
import madge from 'madge';

const roots = ['libs', 'apps', 'workers'];
const base = { fileExtensions: ['ts'], tsConfig: 'tsconfig.json', excludeRegExp: [/\.d\.ts$/] };

/** The folder unit a file belongs to. */
function unitOf(file) {
  const parts = file.split('/');
  if (parts[0] === 'libs' && parts[1] === 'pipeline' && parts.length > 3) return parts.slice(0, 3).join('/');
  return parts.slice(0, Math.min(2, parts.length - 1)).join('/');
}

/** Strongly connected components of more than one node (Tarjan). */
function cycles(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const out = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

let failed = false;
const all = await madge(roots, base);
const skipped = all.warnings().skipped.filter((s) => s.startsWith('.') || s.startsWith('/'));
if (skipped.length) {
  console.error(`check-imports: unresolved imports (the graph would be incomplete): ${skipped.join(', ')}`);
  failed = true;
}
const folders = new Map();
for (const [file, deps] of Object.entries(all.obj())) {
  const from = unitOf(file);
  if (!folders.has(from)) folders.set(from, new Set());
  for (const d of deps) if (unitOf(d) !== from) folders.get(from).add(unitOf(d));
}
for (const c of cycles(folders)) {
  const edges = [];
  for (const a of c) for (const b of folders.get(a)) if (c.includes(b)) edges.push(`${a} → ${b}`);
  console.error(`check-imports: import cycle between folders ${c.join(', ')} (${edges.join('; ')})`);
  failed = true;
}
const values = await madge(roots, { ...base, detectiveOptions: { ts: { skipTypeImports: true } } });
for (const c of values.circular()) {
  console.error(`check-imports: import cycle between files ${c.join(' → ')}`);
  failed = true;
}
if (failed) process.exit(1);
console.log(`check-imports: ${Object.keys(all.obj()).length} files in ${folders.size} folders, no cycle`);
