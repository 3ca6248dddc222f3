//! A coarse spatial grid for bounding-box search.
//!
//! The exact test (a dataset's box intersects the query box) runs on the
//! four coordinate columns; alone, it reads them for every document. The
//! grid narrows first: each dataset box is indexed as the terms of the grid
//! cells it overlaps, at the finest of [`LEVELS`] where that is at most
//! [`MAX_DOC_CELLS`] cells, and a query box asks for the cells it overlaps at
//! every level. A dataset box that intersects the query box shares a point
//! with it, and that point's cell (at the dataset's level) is among both
//! sets, so the grid never loses a match; it only lets through boxes that
//! are near but not intersecting, which the exact test removes.

use crate::extract::BBox;

/// Cell sizes in degrees, finest first. The last level is one cell per
/// hemisphere (every box fits).
pub const LEVELS: [f64; 5] = [0.25, 1.0, 4.0, 16.0, 180.0];
/// A dataset box is indexed at the finest level where it overlaps at most
/// this many cells.
pub const MAX_DOC_CELLS: usize = 4;
/// A query box overlapping more cells than this at some level is not
/// narrowed by the grid (a large box matches much anyway).
pub const MAX_QUERY_CELLS: usize = 4096;

/// The cell index range `[lo, hi]` of an interval on one axis.
fn span(min: f64, max: f64, origin: f64, size: f64, cells: i64) -> (i64, i64) {
    let at = |v: f64| (((v - origin) / size).floor() as i64).clamp(0, cells - 1);
    (at(min), at(max))
}

/// The cells of `b` at level `level`: (x range, y range).
fn ranges(b: &BBox, level: usize) -> ((i64, i64), (i64, i64)) {
    let size = LEVELS[level];
    let xs = (360.0 / size).ceil() as i64;
    let ys = (180.0 / size).ceil() as i64;
    (
        span(b.min_lon, b.max_lon, -180.0, size, xs),
        span(b.min_lat, b.max_lat, -90.0, size, ys),
    )
}

fn count(((x0, x1), (y0, y1)): ((i64, i64), (i64, i64))) -> usize {
    ((x1 - x0 + 1) * (y1 - y0 + 1)).max(0) as usize
}

fn terms(level: usize, ((x0, x1), (y0, y1)): ((i64, i64), (i64, i64)), out: &mut Vec<String>) {
    for x in x0..=x1 {
        for y in y0..=y1 {
            out.push(format!("{level}/{x}/{y}"));
        }
    }
}

/// The cell terms a dataset box is indexed under.
pub fn doc_cells(b: &BBox) -> Vec<String> {
    let mut out = Vec::new();
    for level in 0..LEVELS.len() {
        let r = ranges(b, level);
        if count(r) <= MAX_DOC_CELLS || level == LEVELS.len() - 1 {
            terms(level, r, &mut out);
            break;
        }
    }
    out
}

/// The cell terms that can hold a box intersecting `q`, or `None` when `q`
/// is too large for the grid to help.
pub fn query_cells(q: &BBox) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for level in 0..LEVELS.len() {
        let r = ranges(q, level);
        if count(r) > MAX_QUERY_CELLS {
            return None;
        }
        terms(level, r, &mut out);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bbox(min_lon: f64, min_lat: f64, max_lon: f64, max_lat: f64) -> BBox {
        BBox {
            min_lon,
            min_lat,
            max_lon,
            max_lat,
        }
    }

    #[test]
    fn levels_and_sizes() {
        // A small box: one or a few fine cells.
        let c = doc_cells(&bbox(10.01, 53.51, 10.1, 53.6));
        assert_eq!(
            c,
            vec![format!(
                "0/{}/{}",
                (190.01f64 / 0.25) as i64,
                (143.51f64 / 0.25) as i64
            )]
        );
        // A Land-sized box goes up a level or two; the world is level 4.
        assert!(doc_cells(&bbox(8.0, 50.0, 10.0, 52.0))[0].starts_with("2/"));
        let world = doc_cells(&bbox(-180.0, -90.0, 180.0, 90.0));
        assert_eq!(world, vec!["4/0/0".to_owned(), "4/1/0".to_owned()]);
        // A small query asks at every level; a huge one is not narrowed.
        let q = query_cells(&bbox(11.0, 48.0, 11.5, 48.5)).expect("small");
        assert!(q.iter().any(|t| t.starts_with("4/")));
        assert!(query_cells(&bbox(-170.0, -80.0, 170.0, 80.0)).is_none());
    }

    /// Whenever two boxes intersect, the query's cells include one of the
    /// dataset's cells (the grid never loses a match), over many boxes,
    /// including boxes on cell boundaries and points.
    #[test]
    fn never_loses_a_match() {
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut coord = |lo: f64, span: f64| {
            let r = next();
            // Every fourth value on a quarter-degree boundary.
            let v = lo + (r % 10_000) as f64 / 10_000.0 * span;
            if r % 4 == 0 {
                (v * 4.0).round() / 4.0
            } else {
                v
            }
        };
        let mut boxes = Vec::new();
        for i in 0..400 {
            let w = [0.0, 0.05, 0.3, 2.0, 9.0, 40.0][i % 6];
            let (x, y) = (coord(-20.0, 50.0), coord(30.0, 40.0));
            boxes.push(bbox(x, y, (x + w).min(180.0), (y + w / 2.0).min(90.0)));
        }
        let mut checked = 0;
        for d in &boxes {
            let dc = doc_cells(d);
            for q in &boxes {
                if !d.intersects(q) {
                    continue;
                }
                if let Some(qc) = query_cells(q) {
                    assert!(dc.iter().any(|c| qc.contains(c)), "{d:?} ∩ {q:?}: {dc:?}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 1000, "{checked}");
    }
}
