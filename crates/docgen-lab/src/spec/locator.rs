//! Where things are in lab.yaml. serde_yaml gives no positions for values, so errors about a
//! value are placed by [`Locator`], which knows where each top-level section and each of its
//! list items starts, and finds a text inside an item.

/// Finds lines in lab.yaml: where a top-level section starts and where each of its list items
/// starts, so that errors about an item point into it.
pub(super) struct Locator<'a> {
    lines: Vec<&'a str>,
}

impl<'a> Locator<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Locator {
            lines: text.split('\n').collect(),
        }
    }

    /// The 1-based line of the top-level `key:`.
    pub(super) fn key_line(&self, key: &str) -> Option<usize> {
        let prefix = format!("{key}:");
        self.lines
            .iter()
            .position(|l| l.starts_with(&prefix))
            .map(|i| i + 1)
    }

    /// The 0-based line range of the top-level section `key` (after its key line).
    pub(super) fn section(&self, key: &str) -> Option<(usize, usize)> {
        let start = self.key_line(key)?; // 1-based key line == 0-based index of the next line
        let end = (start..self.lines.len())
            .find(|&j| {
                let l = self.lines[j];
                !l.is_empty() && !l.starts_with([' ', '\t', '#', '-']) && !l.trim().is_empty()
            })
            .unwrap_or(self.lines.len());
        Some((start - 1, end))
    }

    /// 0-based line ranges of each list item of section `key`.
    pub(super) fn items(&self, key: &str) -> Vec<(usize, usize)> {
        let Some((key_idx, end)) = self.section(key) else {
            return Vec::new();
        };
        let starts: Vec<(usize, usize)> = (key_idx + 1..end)
            .filter_map(|j| {
                let l = self.lines[j];
                let t = l.trim_start();
                (t.starts_with("- ") || t == "-").then(|| (j, l.len() - t.len()))
            })
            .collect();
        let Some(indent) = starts.iter().map(|(_, ind)| *ind).min() else {
            return Vec::new();
        };
        let starts: Vec<usize> = starts
            .into_iter()
            .filter(|(_, ind)| *ind == indent)
            .map(|(j, _)| j)
            .collect();
        starts
            .iter()
            .enumerate()
            .map(|(n, &s)| (s, starts.get(n + 1).copied().unwrap_or(end)))
            .collect()
    }

    /// The 1-based first line of item `index` of `section` (the section's line when unknown).
    pub(super) fn item_line(&self, section: &str, index: usize) -> usize {
        match self.items(section).get(index) {
            Some((s, _)) => s + 1,
            None => self.key_line(section).unwrap_or(1),
        }
    }

    /// Line, column and length of `needle` in item `index` of `section` (`usize::MAX`: the
    /// whole section). Falls back to the item's first non-blank character.
    pub(super) fn find(&self, section: &str, index: usize, needle: &str) -> (usize, usize, usize) {
        let range = if index == usize::MAX {
            self.section(section)
        } else {
            self.items(section).get(index).copied()
        };
        let Some((start, end)) = range else {
            return (self.key_line(section).unwrap_or(1), 1, 1);
        };
        if !needle.is_empty() {
            for j in start..end {
                if let Some(b) = self.lines[j].find(needle) {
                    let col = self.lines[j][..b].chars().count() + 1;
                    let len = needle.trim_end_matches(':').chars().count().max(1);
                    return (j + 1, col, len);
                }
            }
        }
        let l = self.lines[start];
        let col = l.len() - l.trim_start().len() + 1;
        (start + 1, col, l.trim().chars().count().max(1))
    }
}
