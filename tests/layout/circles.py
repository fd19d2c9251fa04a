"""Prints, as JSON, every group of modules of a checkout that import each other round in a circle.

`python tests/layout/circles.py PROJECT`: run as its own process, so that the checkout's code is
read (not whatever this process has imported already).
"""

from __future__ import annotations

import json
import sys


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm: the groups of two or more modules that reach each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.get(module, set()):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group: set[str] = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(group)

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


if __name__ == "__main__":
    sys.path.insert(0, sys.argv[1])
    sys.setrecursionlimit(10_000)
    import grimp

    built = grimp.build_graph("shared", "services", cache_dir=None)
    graph = {m: set(built.find_modules_directly_imported_by(m)) for m in built.modules}
    print(json.dumps([sorted(group) for group in strongly_connected(graph)]))
