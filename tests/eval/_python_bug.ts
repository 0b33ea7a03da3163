/**
 * A deliberate bug for Python reference solutions (the "broken twin" of a canonical solution).
 *
 * @module
 */

/**
 * Code that, appended after a correct Python solution, wraps the entry point so that every
 * result is changed (a number + 1, a string + "x", a list + [None], None -> 0, ...).
 *
 * @param entry the entry point's name
 * @returns the Python text to append
 */
export function pythonBug(entry: string): string {
  return `

def _grlo_perturb(r):
    if isinstance(r, bool):
        return not r
    if isinstance(r, (int, float)):
        return r + 1
    if isinstance(r, str):
        return r + "x"
    if isinstance(r, list):
        return r + [None]
    if isinstance(r, tuple):
        return r + (None,)
    if isinstance(r, dict):
        return {**r, "__grlo_bug__": 1}
    if isinstance(r, set):
        return r | {"__grlo_bug__"}
    if r is None:
        return 0
    return None

_grlo_original = ${entry}

def ${entry}(*args, **kwargs):
    return _grlo_perturb(_grlo_original(*args, **kwargs))
`;
}
