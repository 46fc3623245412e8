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
