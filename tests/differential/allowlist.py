"""Intended differences between Strata and Alembic 1.8 (the allow-list).

The differential suite holds Strata to Debian's Alembic 1.8.1. Where Strata
deliberately does something else -- it follows a fix made in a later Alembic,
or fixes a bug Alembic still has -- the difference is listed here, with the
reason, and the oracle is corrected in exactly that place: each entry patches
one Alembic function so that it gives Strata's intended answer, and counts
every call where the patched answer differs from 1.8's. The suite then keeps
comparing everything else (the databases stay in step instead of the seed
ending at the first intended difference), and prints how often each entry
changed Alembic's answer, so an entry that stops being exercised is seen.

Adding an entry: give it a name, the Alembic version that fixed it (or
"none"), the reason, and a patch(hit) function that installs the correction
and calls hit() whenever the corrected answer differs from Alembic 1.8's.
Keep the patch as small as the difference.
"""

import collections

# name -> number of Alembic calls whose answer the entry changed (this process)
HITS = collections.Counter()


def _ancestors(revision_map, ident, strict=True):
    """Ids of ident's ancestors along Revises and Depends On."""
    return set(
        r.revision
        for r in revision_map._get_ancestor_nodes(
            revision_map.get_revisions(ident), check=False)
        if not strict or r.revision != ident)


def _patch_unmerge(hit):
    from alembic.runtime.migration import RevisionStep
    original = RevisionStep._unmerge_to_revisions

    def _unmerge_to_revisions(self, heads):
        out = original(self, heads)
        # A parent that is an ancestor of another parent (Depends On between
        # the merge's parents) must not get a row of its own: it would sit
        # beside its descendant (a stale row; the next upgrade fails with
        # "overlaps").
        below = set()
        for t in self.to_revisions:
            below |= _ancestors(self.revision_map, t)
        fixed = tuple(r for r in out if r not in below)
        if fixed != tuple(out):
            hit()
        return fixed

    RevisionStep._unmerge_to_revisions = _unmerge_to_revisions


def _patch_merge(hit):
    from alembic.runtime.migration import RevisionStep
    original = RevisionStep.merge_branch_idents

    def merge_branch_idents(self, heads):
        deletes, update_from, update_to = original(self, heads)
        froms = list(deletes) + [update_from]
        # Only parents that hold a row are deleted or updated: a parent that
        # another parent depends on has none (Alembic 1.8 raises KeyError).
        present = [r for r in froms if r in heads]
        if present != froms and present:
            hit()
            return present[:-1], present[-1], update_to
        return deletes, update_from, update_to

    RevisionStep.merge_branch_idents = merge_branch_idents


ENTRIES = [
    {
        "name": "unmerge-dependency-linked-parents",
        "fixed_in": "Alembic 1.13.1 (without other heads); Strata also with other heads",
        "reason": (
            "Downgrading a merge whose parents are linked by Depends On (b1 "
            "depends on a1, bm merges a1 and b1) wrote a row for every parent: "
            "'downgrade b1' from bm left {a1, b1}, a1 an ancestor of b1, and "
            "'upgrade bm' then failed with 'overlaps'. Alembic 1.13.1 drops a "
            "parent that is an ancestor of another parent when the merge is "
            "the only head; Strata does so whatever other heads are present. "
            "Right: rows {b1}, and 'upgrade bm' works."),
        "patch": _patch_unmerge,
    },
    {
        "name": "merge-dependency-linked-parents",
        "fixed_in": "none (Alembic 1.8 through 1.19 fail with KeyError)",
        "reason": (
            "Upgrading into a merge of three parents where one parent depends "
            "on another (a; b depends on a; c; m merges a, b, c): the rows are "
            "{b, c} (b's row replaced a's), and Alembic tries to delete a's "
            "row too, failing with an internal KeyError. Strata deletes and "
            "updates only the parents that hold a row: rows {m}."),
        "patch": _patch_merge,
    },
]


def install():
    """Patches Alembic (already imported or not) with every entry."""
    for entry in ENTRIES:
        name = entry["name"]
        entry["patch"](lambda name=name: HITS.update([name]))


def take_hits():
    """The hits since the last call, as a plain dict (and resets them)."""
    out = dict(HITS)
    HITS.clear()
    return out
