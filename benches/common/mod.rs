//! Generators of rule sets and inputs for the benchmarks: deterministic (a fixed LCG),
//! so that figures are comparable run to run.
#![allow(dead_code)]

/// A small deterministic pseudo-random generator (Knuth's MMIX LCG).
pub struct Lcg(u64);

impl Lcg {
    /// Seeded generator.
    pub fn new(seed: u64) -> Lcg {
        Lcg(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    /// Next value in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

const KINDS: [&str; 8] = [
    "retail", "fleet", "rental", "lease", "demo", "export", "gov", "staff",
];

/// A rule set of `n` first-hit rules over 8 fields of mixed types (int, decimal, money,
/// date, enum, code, text with a regex, distance) in one decision `tier`, with its own
/// schema and code table so that it is self-contained.
pub fn first_hit_rule_set(n: usize, seed: u64) -> String {
    let mut r = Lcg::new(seed);
    let mut s = String::with_capacity(n * 200 + 1024);
    s.push_str("codes bench_fault \"Generated fault codes\" {\n  P1000..P1999 \"generated\"\n}\n");
    s.push_str(
        "schema item {\n  qty: int\n  weight: decimal\n  price: money\n  sold: date\n  \
         kind: enum { retail, fleet, rental, lease, demo, export, gov, staff }\n  \
         fault: code bench_fault\n  note: text\n  mileage: distance\n}\n",
    );
    s.push_str("decision tier hit first {\n  output tier: int = 0\n  output why: text = \"\"\n");
    for i in 0..n {
        let q = r.below(90);
        let w = r.below(500);
        let p = 100 + r.below(5000);
        let month = 1 + r.below(12);
        let day = 1 + r.below(28);
        let k1 = KINDS[r.below(8) as usize];
        let k2 = KINDS[r.below(8) as usize];
        let f = 1000 + r.below(900);
        let m = 10_000 + r.below(90_000);
        s.push_str(&format!(
            "  rule r{i}\n    when item.qty >= {q} and item.qty < {q2} and item.weight <= {w}.5\n      \
             and item.price > USD {p} and item.sold < 2025-{month:02}-{day:02}\n      \
             and item.kind in [{k1}, {k2}] and item.fault in P{f}..P{f2}\n      \
             and item.mileage < {m} km and item.note matches /^N{nn}/\n    \
             then tier = {i}, why = \"rule {i}\"\n",
            q2 = q + 10,
            f2 = f + 50,
            nn = r.below(10),
        ));
    }
    s.push_str("  otherwise tier = -1, why = \"none\"\n}\n");
    s
}

/// A JSON bundle for the schema of [`first_hit_rule_set`] (root `item`).
pub fn item_bundle(seed: u64) -> String {
    let mut r = Lcg::new(seed);
    format!(
        r#"{{"id": "B{seed}", "item": {{"qty": {}, "weight": {}.25, "price": "USD {}.00", "sold": "2025-{:02}-{:02}", "kind": "{}", "fault": "P{}", "note": "N{} note", "mileage": "{} km"}}}}"#,
        r.below(100),
        r.below(500),
        100 + r.below(5000),
        1 + r.below(12),
        1 + r.below(28),
        KINDS[r.below(8) as usize],
        1000 + r.below(999),
        r.below(10),
        10_000 + r.below(90_000),
    )
}

/// An adversarial rule set for the node budget: `n` first-hit rules, each testing 3 of 16
/// int fields against independent random ranges, so that no column separates the rules
/// well and a full decision tree would be exponential.
pub fn adversarial_rule_set(n: usize, seed: u64) -> String {
    let mut r = Lcg::new(seed);
    let mut s = String::with_capacity(n * 120 + 512);
    s.push_str("schema cell {\n");
    for f in 0..16 {
        s.push_str(&format!("  f{f}: int\n"));
    }
    s.push_str("}\ndecision grid hit first {\n  output hit: int = 0\n");
    for i in 0..n {
        let mut conds = Vec::new();
        for _ in 0..3 {
            let f = r.below(16);
            let lo = r.below(1000);
            let hi = lo + 1 + r.below(300);
            conds.push(format!("cell.f{f} >= {lo} and cell.f{f} < {hi}"));
        }
        s.push_str(&format!(
            "  rule r{i} when {} then hit = {i}\n",
            conds.join(" and ")
        ));
    }
    s.push_str("  otherwise hit = -1\n}\n");
    s
}

/// A bundle for [`adversarial_rule_set`] (root `cell`).
pub fn grid_bundle(seed: u64) -> String {
    let mut r = Lcg::new(seed ^ 0x5555);
    let fields: Vec<String> = (0..16)
        .map(|f| format!("\"f{f}\": {}", r.below(1300)))
        .collect();
    format!(r#"{{"id": "G{seed}", "cell": {{{}}}}}"#, fields.join(", "))
}

const MAKES: [(&str, &str); 4] = [
    ("FORD", "ESCAPE"),
    ("FORD", "F-150"),
    ("HYUNDAI", "TUCSON"),
    ("HYUNDAI", "IONIQ 5"),
];
const FAULTS: [&str; 12] = [
    "P0301", "P0325", "P0420", "P0731", "P0700", "P0171", "P0201", "B1000", "C0035", "U0100",
    "P0A80", "P1326",
];
const LABOR_OPS: [(&str, &str); 3] = [("10-2301", "0.8"), ("10-1301", "1.1"), ("10-1201", "0.5")];

/// One warranty claim bundle for the bundled rule set (`rules/`), as a JSONL line: makes,
/// ages, mileages, faults, submission delays, labour and costs drawn so that every
/// adjudication outcome occurs.
pub fn claim_line(seed: u64) -> String {
    let mut r = Lcg::new(seed);
    let (make, model) = MAKES[r.below(4) as usize];
    let year = 2019 + r.below(7);
    let month = 1 + r.below(12);
    let day = 1 + r.below(28);
    let owner = ["original", "original", "subsequent", "fleet"][r.below(4) as usize];
    let fault = FAULTS[r.below(FAULTS.len() as u64) as usize];
    let repair_month = 1 + r.below(2);
    let repair_day = 1 + r.below(28);
    let submitted = if r.below(5) == 0 {
        String::new()
    } else {
        format!(
            r#", "submitted_date": "2026-{:02}-{:02}""#,
            repair_month + r.below(2),
            1 + r.below(28)
        )
    };
    let (op, std_hours) = LABOR_OPS[r.below(3) as usize];
    let hours = format!("{}.{}", r.below(2), r.below(10));
    let _ = std_hours;
    format!(
        r#"{{"id": "G{seed}", "product": {{"serial": "S{seed}", "make": "{make}", "model": "{model}", "model_year": {year}, "in_service_date": "{year}-{month:02}-{day:02}", "owner": "{owner}", "market": "us"}}, "claim": {{"id": "G{seed}", "claim_type": "WR", "fault": "{fault}", "repair_date": "2026-{repair_month:02}-{repair_day:02}"{submitted}, "odometer": "{} mi", "labor_op": "{op}", "labor_hours": {hours}, "parts": "USD {}.{:02}", "labor": "USD {}.00", "dealer": "D-{}"}}}}"#,
        1_000 + r.below(120_000),
        r.below(2_000),
        r.below(100),
        r.below(900),
        1000 + r.below(50),
    )
}

/// Issue #13's neutral first-hit table, generated independently of the engine's own shape:
/// 8 fields — three integers over wide ranges (`age` 0..100, `mileage` 0..200,000,
/// `days` 0..2,000), a two-decimal `amount` (0.00..5,000.00), three small enums (12, 5
/// and 4 values) and a code over 200 fault codes. Each rule tests 3–5 distinct fields with
/// `>=`, `>`, `<=`, `<`, inclusive ranges on a business grid (mileage in 500s, amounts in
/// 10.00s, some ending .99 or .50), `==`, or membership in a list of 2 to 199 codes. Each
/// test's bounds are drawn so that a rule matches with a probability log-uniform around
/// 1.8/N (the per-field acceptance is that probability's k-th root), so rules overlap
/// heavily and the first hit is deep; the decision has an `otherwise`. (The issue's table
/// itself is not in this repository: this is a generator written to its description, and
/// the benchmark prints the depth and fall-through it gives.)
pub fn neutral_rule_set(n: usize, seed: u64) -> String {
    let mut r = Lcg::new(seed);
    let mut s = String::with_capacity(n * 160 + 4096);
    s.push_str("codes nfault \"Neutral fault codes\" {\n  F000..F199 \"generated\"\n}\n");
    s.push_str(
        "schema case {\n  age: int\n  mileage: int\n  days: int\n  amount: decimal\n  \
         region: enum { r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11 }\n  \
         channel: enum { c0, c1, c2, c3, c4 }\n  tier: enum { t0, t1, t2, t3 }\n  \
         fault: code nfault\n}\n",
    );
    s.push_str("decision neutral hit first {\n  output hit: int = 0\n");
    let unit = |r: &mut Lcg| (r.below(1_000_000) as f64 + 0.5) / 1_000_000.0;
    for i in 0..n {
        // match probability log-uniform in [0.8/N, 5/N] (mean 2.3/N: about 10% of inputs
        // match no rule), at most 0.5
        let lo = (0.8 / n as f64).min(0.25).ln();
        let hi = (5.0 / n as f64).min(0.5).ln();
        let p = (lo + (hi - lo) * unit(&mut r)).exp();
        let k = 3 + r.below(3) as usize; // 3..=5 fields
        let mut fields: Vec<u64> = (0..8).collect();
        for j in 0..k {
            let pick = j + r.below((8 - j) as u64) as usize;
            fields.swap(j, pick);
        }
        // the small domains first (they cannot accept less than one value), each field
        // then given the share that keeps the rule's probability at `p`
        fields[..k].sort_by_key(|f| std::cmp::Reverse(*f));
        let mut tests = Vec::with_capacity(k);
        let mut accepted = 1.0;
        for (j, &f) in fields[..k].iter().enumerate() {
            let per = (p / accepted).min(1.0).powf(1.0 / (k - j) as f64);
            let (test, share) = neutral_test(f, per, &mut r);
            accepted *= share;
            tests.push(test);
        }
        s.push_str(&format!(
            "  rule n{i} when {} then hit = {i}\n",
            tests.join(" and ")
        ));
    }
    s.push_str("  otherwise hit = -1\n}\n");
    s
}

/// A test of field `f` accepting about `per` of its domain, and the share it accepts.
fn neutral_test(f: u64, per: f64, r: &mut Lcg) -> (String, f64) {
    // an ordered field over 0..max on a grid of `step`: `>=`, `>`, `<=`, `<` or a range
    let ordered = |name: &str, max: u64, step: u64, r: &mut Lcg| {
        let width = ((max as f64 * per) as u64 / step).max(1) * step;
        let start = (r.below((max - width.min(max)) / step + 1)) * step;
        let test = match r.below(5) {
            0 => format!("case.{name} >= {}", max - width),
            1 => format!("case.{name} > {}", max - width),
            2 => format!("case.{name} <= {width}"),
            3 => format!("case.{name} < {width}"),
            _ => format!("case.{name} in {start}..{}", start + width),
        };
        (test, width as f64 / max as f64)
    };
    let listed = |name: &str, prefix: &str, digits: usize, size: u64, r: &mut Lcg| {
        let count = ((size as f64 * per).round() as u64).clamp(1, size);
        let first = r.below(size);
        let items: std::collections::BTreeSet<String> = (0..count)
            .map(|j| format!("{prefix}{:0digits$}", (first + j * 7) % size))
            .collect();
        let share = items.len() as f64 / size as f64;
        let test = if items.len() == 1 {
            format!(
                "case.{name} == {}",
                items.iter().next().cloned().unwrap_or_default()
            )
        } else {
            format!(
                "case.{name} in [{}]",
                items.into_iter().collect::<Vec<_>>().join(", ")
            )
        };
        (test, share)
    };
    match f {
        0 => ordered("age", 100, 1, r),
        1 => ordered("mileage", 200_000, 500, r),
        2 => ordered("days", 2_000, 1, r),
        3 => {
            // amounts in 10.00s, some bounds ending .99 or .50
            let max = 5_000.0;
            let width = ((max * per / 10.0).round().max(1.0)) * 10.0;
            let start = (r.below(((max - width).max(0.0) / 10.0) as u64 + 1) * 10) as f64;
            let end = match r.below(4) {
                0 => format!("{:.2}", start + width - 0.01),
                1 => format!("{:.2}", start + width - 0.50),
                _ => format!("{:.2}", start + width),
            };
            let test = match r.below(3) {
                0 => format!("case.amount >= {:.2}", max - width),
                1 => format!("case.amount <= {:.2}", width - 0.01),
                _ => format!("case.amount in {start:.2}..{end}"),
            };
            (test, width / max)
        }
        4 => listed("region", "r", 0, 12, r),
        5 => listed("channel", "c", 0, 5, r),
        6 => listed("tier", "t", 0, 4, r),
        // a code: `==` one of the 200 codes, or membership in up to 199 of them
        _ => listed("fault", "F", 3, 200, r),
    }
}

/// A bundle for [`neutral_rule_set`]: every field uniform over its domain, 10% of the
/// numbers rounded onto the rules' grid (boundaries).
pub fn neutral_bundle(seed: u64) -> String {
    let mut r = Lcg::new(seed.wrapping_mul(7919).wrapping_add(17));
    let grid = |r: &mut Lcg, v: u64, step: u64| if r.below(10) == 0 { v / step * step } else { v };
    let age = r.below(100);
    let raw_mileage = r.below(200_000);
    let mileage = grid(&mut r, raw_mileage, 500);
    let days = r.below(2_000);
    let cents = r.below(500_000);
    let amount = if r.below(10) == 0 {
        cents / 1000 * 1000
    } else {
        cents
    };
    format!(
        "{{\"case\": {{\"age\": {age}, \"mileage\": {mileage}, \"days\": {days}, \
         \"amount\": {}.{:02}, \"region\": \"r{}\", \"channel\": \"c{}\", \"tier\": \"t{}\", \
         \"fault\": \"F{:03}\"}}}}",
        amount / 100,
        amount % 100,
        r.below(12),
        r.below(5),
        r.below(4),
        r.below(200)
    )
}

/// Issue #13's second adversarial shape: `n` rules each testing one threshold of one
/// field (`rule rI when customer.v >= I then x = I`), the `otherwise` last. Every region
/// of the field keeps every earlier rule alive, so a DAG built naively costs O(n²).
pub fn threshold_rule_set(n: usize) -> String {
    let mut text = String::from("extend customer { v: int }\ndecision d { output x: int = 0\n");
    for i in 0..n {
        text.push_str(&format!(
            "  rule r{i} when customer.v >= {i} then x = {i}\n"
        ));
    }
    text.push_str("  otherwise x = -1 }\n");
    text
}
