//! Figures of the benchmark: samples, their median and spread, and how they print.

use std::time::Duration;

use serde_json::{Value, json};

/// What a figure measures, which decides how it prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Millis,
    Bytes,
    Count,
}

/// The samples of one figure, sorted.
#[derive(Debug, Clone)]
pub struct Figure {
    unit: Unit,
    samples: Vec<f64>,
}

impl Figure {
    pub fn new(unit: Unit, mut samples: Vec<f64>) -> Figure {
        samples.sort_by(f64::total_cmp);
        Figure { unit, samples }
    }

    pub fn times(samples: &[Duration]) -> Figure {
        Figure::new(
            Unit::Millis,
            samples.iter().map(|d| d.as_secs_f64() * 1e3).collect(),
        )
    }

    pub fn bytes(bytes: u64) -> Figure {
        Figure::new(Unit::Bytes, vec![bytes as f64])
    }

    pub fn counts(samples: &[u64]) -> Figure {
        Figure::new(Unit::Count, samples.iter().map(|&c| c as f64).collect())
    }

    pub fn median(&self) -> f64 {
        self.quantile(0.5)
    }

    /// Linear interpolation between the closest ranks.
    pub fn quantile(&self, q: f64) -> f64 {
        let n = self.samples.len();
        if n == 0 {
            return f64::NAN;
        }
        let rank = q * (n - 1) as f64;
        let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
        let weight = rank - low as f64;
        self.samples[low] * (1.0 - weight) + self.samples[high] * weight
    }

    /// The median with the interquartile range when there are several samples, all in the
    /// median's scale (`5.84 ms [5.66–5.95]`, `41.3 s`, `1.56 MiB`).
    pub fn display(&self) -> String {
        let median = self.median();
        let (scale, suffix) = match self.unit {
            Unit::Millis if median >= 10_000.0 => (1e3, " s"),
            Unit::Millis => (1.0, " ms"),
            Unit::Bytes if median >= 1024.0 * 1024.0 => (1024.0 * 1024.0, " MiB"),
            Unit::Bytes => (1024.0, " KiB"),
            Unit::Count => (1.0, ""),
        };
        let number = |v: f64| {
            let v = v / scale;
            match self.unit {
                Unit::Bytes if scale > 1024.0 => format!("{v:.2}"),
                Unit::Count if v.fract() == 0.0 => format!("{v:.0}"),
                _ if v >= 100.0 => format!("{v:.0}"),
                _ if v >= 10.0 => format!("{v:.1}"),
                _ => format!("{v:.2}"),
            }
        };
        let (q1, q3) = (self.quantile(0.25), self.quantile(0.75));
        if self.samples.len() < 3 || number(q1) == number(q3) {
            return format!("{}{suffix}", number(median));
        }
        format!("{}{suffix} [{}–{}]", number(median), number(q1), number(q3))
    }

    pub fn to_json(&self) -> Value {
        json!({
            "unit": match self.unit {
                Unit::Millis => "ms",
                Unit::Bytes => "bytes",
                Unit::Count => "count",
            },
            "n": self.samples.len(),
            "median": self.median(),
            "q1": self.quantile(0.25),
            "q3": self.quantile(0.75),
            "min": self.samples.first(),
            "max": self.samples.last(),
        })
    }
}

/// One line of the report: the same figure for the Rust and the Python side.
#[derive(Debug)]
pub struct Row {
    pub section: &'static str,
    pub name: String,
    pub rust: Result<Figure, String>,
    pub python: Result<Figure, String>,
}

impl Row {
    /// Python's median over Rust's: how many times smaller/faster the Rust side is.
    pub fn ratio(&self) -> Option<f64> {
        match (&self.rust, &self.python) {
            (Ok(r), Ok(p)) if r.median() > 0.0 => Some(p.median() / r.median()),
            _ => None,
        }
    }

    pub fn to_json(&self) -> Value {
        let side = |f: &Result<Figure, String>| match f {
            Ok(f) => f.to_json(),
            Err(why) => json!({ "not_available": why }),
        };
        json!({
            "section": self.section,
            "name": self.name,
            "rust": side(&self.rust),
            "python": side(&self.python),
            "python_over_rust": self.ratio(),
        })
    }
}

/// The report as a text table, grouped by section.
pub fn table(rows: &[Row]) -> String {
    let cell = |f: &Result<Figure, String>| match f {
        Ok(f) => f.display(),
        Err(why) => format!("n/a ({why})"),
    };
    let lines: Vec<[String; 4]> = rows
        .iter()
        .map(|r| {
            [
                r.name.clone(),
                cell(&r.rust),
                cell(&r.python),
                r.ratio()
                    .map_or_else(|| "–".to_owned(), |x| format!("{x:.1}×")),
            ]
        })
        .collect();
    let header = [
        "figure".to_owned(),
        "Rust".to_owned(),
        "Python (ops)".to_owned(),
        "Python/Rust".to_owned(),
    ];
    let mut widths = [0; 4];
    for line in lines.iter().chain(std::iter::once(&header)) {
        for (w, c) in widths.iter_mut().zip(line) {
            *w = (*w).max(c.chars().count());
        }
    }
    let render = |line: &[String; 4]| {
        let mut out = String::new();
        for (i, (c, w)) in line.iter().zip(widths).enumerate() {
            let pad = w - c.chars().count();
            if i == 0 {
                out.push_str(c);
                out.push_str(&" ".repeat(pad));
            } else {
                out.push_str("  ");
                out.push_str(&" ".repeat(pad));
                out.push_str(c);
            }
        }
        out.trim_end().to_owned() + "\n"
    };
    let mut out = render(&header);
    let mut section = "";
    for (row, line) in rows.iter().zip(&lines) {
        if row.section != section {
            section = row.section;
            out.push_str(&format!("{section}\n"));
        }
        out.push_str(&render(line));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_between_ranks() {
        let f = Figure::new(Unit::Count, vec![4.0, 1.0, 3.0, 2.0]);
        assert_eq!(f.median(), 2.5);
        assert_eq!(f.quantile(0.0), 1.0);
        assert_eq!(f.quantile(1.0), 4.0);
        assert_eq!(f.quantile(0.25), 1.75);
    }

    #[test]
    fn figures_print_in_the_scale_of_their_median() {
        let times = Figure::new(Unit::Millis, vec![9_000.0, 41_300.0, 42_000.0]);
        assert_eq!(times.display(), "41.3 s [25.1–41.6]");
        assert_eq!(Figure::new(Unit::Millis, vec![5.84]).display(), "5.84 ms");
        assert_eq!(Figure::bytes(1_635_778).display(), "1.56 MiB");
        assert_eq!(Figure::counts(&[8, 8, 8]).display(), "8");
    }

    #[test]
    fn the_ratio_is_python_over_rust_and_absent_when_a_side_is_missing() {
        let row = |python: Result<Figure, String>| Row {
            section: "s",
            name: "n".into(),
            rust: Ok(Figure::new(Unit::Millis, vec![2.0])),
            python,
        };
        assert_eq!(
            row(Ok(Figure::new(Unit::Millis, vec![60.0]))).ratio(),
            Some(30.0)
        );
        assert_eq!(row(Err("no python".into())).ratio(), None);
    }

    #[test]
    fn the_table_aligns_columns_and_names_what_is_missing() {
        let rows = [Row {
            section: "size",
            name: ".charm".into(),
            rust: Ok(Figure::bytes(512 * 1024)),
            python: Err("not built".into()),
        }];
        let text = table(&rows);
        assert!(text.contains("size\n"), "{text}");
        assert!(text.contains("512 KiB"), "{text}");
        assert!(text.contains("n/a (not built)"), "{text}");
        let widths: Vec<usize> = text.lines().map(|l| l.chars().count()).collect();
        assert_eq!(widths[0], widths[2], "{text}");
    }
}
