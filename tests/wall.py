#!/usr/bin/env python3
"""wall.py - the layers of compiler/ keep their walls.

Reads compiler/CMakeLists.txt for which layer links which (a layer is a
folder compiler/NAME built as the library rnnc_NAME; cli/ is the rnnc command,
runtime/ the headers generated code carries) and every #include "..." under
compiler/ and runtime/, then fails with one line per broken rule:

  - a file includes a header of a layer its own layer does not link (directly
    or through the layers it links): a pass including interp.h, say;
  - the layers' link graph has a cycle;
  - two modules (x.c with x.h, and x_internal.h: what the files that
    implement x share) include each other, directly or around a longer
    cycle, anywhere in the tree;
  - a file outside x's folder includes x_internal.h;
  - code generation (codegen/) opens, reads or writes a file.

The compiler's include paths already refuse most broken walls; this test also
catches those an include path cannot see (cycles inside a layer, file access)
and says which rule broke.

usage: wall.py SOURCE_DIR
"""
import os
import re
import sys

FILE_CALLS = re.compile(r"\b(fopen|freopen|open|openat|opendir|mkdir|rename|remove|unlink|st_read|st_write|"
                        r"gzopen|dlopen|file_open_regular|file_append)\s*\(")


def layer_links(cmake_text):
    """{layer: set of layers it links directly}, from target_link_libraries."""
    links = {}
    for target, body in re.findall(r"target_link_libraries\(\s*(rnnc\w*)(.*?)\)", cmake_text, re.S):
        layer = "cli" if target == "rnnc" else target[len("rnnc_"):]
        deps = {d[len("rnnc_"):] for d in re.findall(r"\brnnc_\w+", body)}
        links.setdefault(layer, set()).update(deps)
    return links


def closure(links, layer):
    seen, todo = set(), [layer]
    while todo:
        for dep in links.get(todo.pop(), ()):
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


def find_cycle(graph):
    """A list of nodes around a cycle of graph {node: set(nodes)}, or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def module_of(path):
    """x.c, x.h and x_internal.h are module x; any other file (ops.def) is a module of its own."""
    stem, ext = os.path.splitext(os.path.basename(path))
    if ext not in (".c", ".h"):
        return os.path.basename(path)
    return stem[:-len("_internal")] if stem.endswith("_internal") else stem


def sources(src):
    """(layer, path relative to src, text) of every C file under compiler/ and runtime/."""
    for top in ("compiler", "runtime"):
        for root, _, files in os.walk(os.path.join(src, top)):
            for name in sorted(files):
                if name.endswith((".c", ".h", ".def")):
                    path = os.path.join(root, name)
                    rel = os.path.relpath(path, src)
                    parts = rel.split(os.sep)
                    layer = "runtime" if parts[0] == "runtime" else parts[1]
                    with open(path, encoding="utf-8") as f:
                        yield layer, rel, f.read()


def main():
    src = sys.argv[1]
    with open(os.path.join(src, "compiler", "CMakeLists.txt"), encoding="utf-8") as f:
        links = layer_links(f.read())
    files = list(sources(src))
    owner = {os.path.basename(rel): layer for layer, rel, _ in files}
    errors = []

    cycle = find_cycle(links)
    if cycle:
        errors.append("layers link in a cycle: " + " -> ".join(cycle))

    modules = {}
    for layer, rel, text in files:
        module = module_of(rel)
        allowed = closure(links, layer) | {layer}
        for header in re.findall(r'^\s*#\s*include\s+"([^"]+)"', text, re.M):
            where = owner.get(os.path.basename(header))
            if where is None:
                continue  # generated at build time (none is included today) or a test's own
            if where not in allowed:
                errors.append(f"{rel}: includes {header} of layer {where}, which {layer} does not link")
            elif header.endswith("_internal.h") and where != layer:
                errors.append(f"{rel}: includes {header}, private to layer {where}")
            target = module_of(header)
            if target != module:
                modules.setdefault(module, set()).add(target)
        if layer == "codegen":
            for lineno, line in enumerate(text.splitlines(), 1):
                if FILE_CALLS.search(line) and not line.lstrip().startswith(("*", "/*", "//")):
                    errors.append(f"{rel}:{lineno}: code generation touches a file: {line.strip()}")

    cycle = find_cycle(modules)
    if cycle:
        errors.append("modules include each other: " + " -> ".join(cycle))

    for e in errors:
        print("wall: " + e)
    print(f"wall: {len(files)} files in {len(links)} layers, {len(errors)} broken rules")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
