//! Template expansion, gold planting, the PRNG and calendar arithmetic.

use std::collections::BTreeMap;

use super::GoldMention;

/// SplitMix64: small, fast and the same on every platform.
#[derive(Debug, Clone)]
pub(super) struct Rng(u64);

/// The SplitMix64 output function (a bijection on `u64`).
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// The stream of note `index` of the corpus `seed`.
    pub(super) fn new(seed: u64, index: u64) -> Rng {
        Rng(mix(mix(seed).wrapping_add(mix(index ^ 0x6A09_E667_F3BC_C909))))
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// A number in `0..n` (`n` > 0), by multiply-shift.
    pub(super) fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// A number in `lo..=hi`.
    pub(super) fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below((hi - lo + 1) as usize) as u64
    }

    /// One element of a non-empty slice.
    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// `k` distinct elements, in random order (fewer if there are fewer).
    pub(super) fn sample<'a, T>(&mut self, items: &'a [T], k: usize) -> Vec<&'a T> {
        let mut refs: Vec<&T> = items.iter().collect();
        let k = k.min(refs.len());
        for i in 0..k {
            let j = i + self.below(refs.len() - i);
            refs.swap(i, j);
        }
        refs.truncate(k);
        refs
    }
}

/// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
pub(super) const fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number since 1970-01-01.
pub(super) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Expands templates: slots, variables and numbers. Markers pass through.
pub(super) struct Expander<'a> {
    pub slots: &'a BTreeMap<String, Vec<String>>,
    pub vars: &'a BTreeMap<&'static str, String>,
}

impl Expander<'_> {
    /// Expand `template` onto `out`.
    pub(super) fn expand(&self, template: &str, rng: &mut Rng, out: &mut String, depth: u32) {
        assert!(
            depth < 16,
            "templates.tsv: slots nest too deeply near {template:?}"
        );
        let mut rest = template;
        while let Some(c) = rest.chars().next() {
            match c {
                '<' => {
                    let close = rest
                        .find('>')
                        .unwrap_or_else(|| panic!("templates.tsv: unclosed < in {rest:?}"));
                    let mut name = String::new();
                    self.expand(&rest[1..close], rng, &mut name, depth + 1);
                    let alternatives = self
                        .slots
                        .get(&name)
                        .unwrap_or_else(|| panic!("templates.tsv: no slot {name:?}"));
                    let chosen = rng.pick(alternatives);
                    self.expand(chosen, rng, out, depth + 1);
                    rest = &rest[close + 1..];
                }
                '$' => {
                    let len = rest[1..]
                        .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit()))
                        .unwrap_or(rest.len() - 1);
                    let name = &rest[1..1 + len];
                    let value = self
                        .vars
                        .get(name)
                        .unwrap_or_else(|| panic!("templates.tsv: no ${name}"));
                    self.expand(value, rng, out, depth + 1);
                    rest = &rest[1 + len..];
                }
                '[' => match number_range(rest) {
                    Some((lo, hi, len)) => {
                        out.push_str(&rng.between(lo, hi).to_string());
                        rest = &rest[len..];
                    }
                    None => {
                        out.push('[');
                        rest = &rest[1..];
                    }
                },
                c => {
                    out.push(c);
                    rest = &rest[c.len_utf8()..];
                }
            }
        }
    }
}

/// `[lo..hi]` at the start of `s`: the bounds and the length of the token.
fn number_range(s: &str) -> Option<(u64, u64, usize)> {
    let close = s.find(']')?;
    let (lo, hi) = s[1..close].split_once("..")?;
    let (lo, hi) = (lo.parse().ok()?, hi.parse().ok()?);
    (lo <= hi).then_some((lo, hi, close + 1))
}

/// Remove the `{k.flags|text}` markers from expanded text, returning the note
/// text and its gold mentions with code-point offsets.
pub(super) fn plant(raw: &str) -> (String, Vec<GoldMention>) {
    let mut text = String::with_capacity(raw.len());
    let mut gold = Vec::new();
    let mut chars = 0usize;
    let mut rest = raw;
    while let Some(open) = rest.find('{') {
        text.push_str(&rest[..open]);
        chars += rest[..open].chars().count();
        let close = rest[open..]
            .find('}')
            .map(|c| open + c)
            .unwrap_or_else(|| panic!("unclosed marker"));
        let marker = &rest[open + 1..close];
        let (head, body) = marker
            .split_once('|')
            .unwrap_or_else(|| panic!("marker without |: {marker:?}"));
        let (kind, flags) = head.split_once('.').unwrap_or((head, ""));
        let kind = match kind {
            "p" => "problem",
            "m" => "medication",
            "a" => "allergy",
            "d" => "date",
            other => panic!("unknown marker kind {other:?}"),
        };
        let start = chars;
        chars += body.chars().count();
        text.push_str(body);
        gold.push(GoldMention {
            kind,
            text: body.to_string(),
            start,
            end: chars,
            negated: flags.contains('n'),
            uncertain: flags.contains('u'),
            historical: flags.contains('h'),
            family: flags.contains('f'),
            hypothetical: flags.contains('y'),
        });
        rest = &rest[close + 1..];
    }
    text.push_str(rest);
    (text, gold)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_round_trips() {
        for z in -1000..30_000 {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29) + 1), (2024, 3, 1));
    }

    #[test]
    fn rng_is_pinned() {
        // The stream must never change: corpora are named by their seed.
        // The values are SplitMix64's, worked out independently.
        let mut rng = Rng::new(0, 0);
        let first: Vec<usize> = (0..5).map(|_| rng.below(1000)).collect();
        assert_eq!(first, [397, 276, 60, 622, 309]);
        assert_ne!(Rng::new(0, 1).next_u64(), Rng::new(1, 0).next_u64());
    }

    #[test]
    fn planting_counts_code_points() {
        let (text, gold) = plant("Pt café. {p.n|fièvre} and {m|Ramipril}");
        assert_eq!(text, "Pt café. fièvre and Ramipril");
        assert_eq!((gold[0].start, gold[0].end, gold[0].negated), (9, 15, true));
        assert_eq!((gold[1].kind, gold[1].start, gold[1].end), ("medication", 20, 28));
    }
}
