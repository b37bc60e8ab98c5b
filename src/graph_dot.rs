//! The one-example computation graph as Graphviz DOT: forward values on the nodes, the backward
//! derivatives on the edges.
//!
//! The picture is the lesson's:
//!
//! ```text
//! x_j, w_j, b ──► z = w·x + b ──► a = σ(z) ──► L(a, y) ◄── y
//! ```
//!
//! Each edge u → v is labelled with dL/du, the derivative that the backward pass sends back
//! along it: da = −y/a + (1 − y)/(1 − a) on a → L, dz = a − y on z → a, dw_j = x_j·dz on
//! w_j → z and db = dz on b → z. The inputs x_j and the label y are data, so their edges carry
//! no derivative. The numbers come from [`crate::graph::Neuron::trace`], the same backward pass
//! that `logreg explain` prints. Render with `dot -Tsvg graph.dot -o graph.svg`.
//!
//! Wide data make a tall fan of x_j, w_j pairs; with [`Shown::top`] only the K features of
//! largest contribution |w_j·x_j| to z get nodes, and the other N one node "… N others" holding
//! their summed contribution Σ w_j·x_j.

use crate::graph::Neuron;

/// Which features a graph or explanation shows one by one, and which it sums.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// Shown one by one, in this order.
    pub features: Vec<usize>,
    /// Summed into one "… N others" entry (in index order); empty when every feature is shown.
    pub others: Vec<usize>,
}

impl Shown {
    /// Every feature, in index order.
    pub fn all(n: usize) -> Self {
        Shown {
            features: (0..n).collect(),
            others: Vec::new(),
        }
    }

    /// The `k` features of largest `contribution` (|w_j·x_j|, or for K neurons its largest
    /// over them), largest first (ties by index), and the rest.
    pub fn top(contribution: &[f64], k: usize) -> Self {
        let features = crate::plot::curves::largest_weights(contribution, k);
        let mut others: Vec<usize> = (0..contribution.len())
            .filter(|j| !features.contains(j))
            .collect();
        others.sort_unstable();
        Shown { features, others }
    }

    /// [`Shown::top`] when `top` is given, else [`Shown::all`].
    pub fn of(contribution: &[f64], top: Option<usize>) -> Self {
        match top {
            Some(k) => Shown::top(contribution, k),
            None => Shown::all(contribution.len()),
        }
    }

    /// "… N others", the summed entry's name.
    pub fn others_name(&self) -> String {
        format!(
            "… {} other{}",
            self.others.len(),
            if self.others.len() == 1 { "" } else { "s" }
        )
    }
}

/// A DOT string literal: quoted, with `"` and `\` escaped and line breaks as `\n`.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A number in the graph: six significant digits.
fn num(v: f64) -> String {
    if v == 0.0 || (1e-4..1e6).contains(&v.abs()) {
        format!("{:.6}", v)
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    } else {
        format!("{v:.5e}")
    }
}

/// The DOT text of `neuron`'s graph, with `feature_names[j]` naming x_j, `label` the
/// example's class label (shown beside y), and the features `shown` (see [`Shown`]).
pub fn to_dot(neuron: &Neuron, feature_names: &[String], label: &str, shown: &Shown) -> String {
    let g = &neuron.graph;
    let t = neuron.trace();
    let mut s = String::new();
    let mut line = |text: String| {
        s.push_str(&text);
        s.push('\n');
    };
    line("digraph neuron {".into());
    line(
        "  // One example through the neuron: forward values on nodes, dL/d(node) on edges.".into(),
    );
    line("  rankdir=LR;".into());
    line("  graph [fontname=\"DejaVu Sans\", label=\"forward values on the nodes; backward derivatives dL/du on the edges u → v\", labelloc=t];".into());
    line("  node [shape=box, style=\"rounded,filled\", fillcolor=\"#f5f5f5\", fontname=\"DejaVu Sans\"];".into());
    line(
        "  edge [fontname=\"DejaVu Sans\", fontsize=10, color=\"#1f77b4\", fontcolor=\"#d62728\"];"
            .into(),
    );
    for &j in &shown.features {
        let (x, w) = (neuron.x[j], neuron.w[j]);
        let name = feature_names.get(j).map(String::as_str).unwrap_or("");
        line(format!(
            "  x{} [label={}, fillcolor=\"#e8f0fe\"];",
            j + 1,
            quote(&format!("x{} {}\n= {}", j + 1, name, num(g.value(x))))
        ));
        line(format!(
            "  w{} [label={}];",
            j + 1,
            quote(&format!("w{}\n= {}", j + 1, num(g.value(w))))
        ));
    }
    line(format!(
        "  b [label={}];",
        quote(&format!("b\n= {}", num(g.value(neuron.b))))
    ));
    line(format!(
        "  y [label={}, fillcolor=\"#e8f0fe\"];",
        quote(&format!("y = {} ({label})", num(g.value(neuron.y))))
    ));
    line(format!(
        "  z [label={}];",
        quote(&format!("z = w·x + b\n= {}", num(t.z)))
    ));
    line(format!(
        "  a [label={}];",
        quote(&format!("a = σ(z)\n= {}", num(t.a)))
    ));
    line(format!(
        "  L [label={}, fillcolor=\"#fde8e8\"];",
        quote(&format!(
            "L(a, y) = −(y log a + (1 − y) log(1 − a))\n= {}",
            num(t.loss)
        ))
    ));
    for &j in &shown.features {
        line(format!("  x{0} -> z [color=\"#999999\"];", j + 1));
        line(format!(
            "  w{0} -> z [label={1}];",
            j + 1,
            quote(&format!("dw{} = x{}·dz\n= {}", j + 1, j + 1, num(t.dw[j])))
        ));
    }
    if !shown.others.is_empty() {
        let sum: f64 = shown
            .others
            .iter()
            .map(|&j| g.value(neuron.w[j]) * g.value(neuron.x[j]))
            .sum();
        line(format!(
            "  others [label={}, fillcolor=\"#e8f0fe\"];",
            quote(&format!(
                "{}\nΣ w_j·x_j = {}",
                shown.others_name(),
                num(sum)
            ))
        ));
        line(format!(
            "  others -> z [label={}];",
            quote("dw_j = x_j·dz\n(each)")
        ));
    }
    line(format!(
        "  b -> z [label={}];",
        quote(&format!("db = dz\n= {}", num(t.db)))
    ));
    line(format!(
        "  z -> a [label={}];",
        quote(&format!("dz = a − y\n= {}", num(t.dz)))
    ));
    line(format!(
        "  a -> L [label={}];",
        quote(&format!("da = −y/a + (1 − y)/(1 − a)\n= {}", num(t.da)))
    ));
    line("  y -> L [color=\"#999999\"];".into());
    line("}".into());
    s
}

/// One example at a K-neuron model, as [`classes_to_dot`] draws it.
#[derive(Debug, Clone, Copy)]
pub struct ClassExample<'a> {
    pub feature_names: &'a [String],
    /// x_j.
    pub x: &'a [f64],
    /// w_kj, one vector per neuron.
    pub weights: &'a [Vec<f64>],
    pub classes: &'a [String],
    /// z_k = w_k·x + b_k.
    pub z: &'a [f64],
    /// The class probabilities a_k.
    pub a: &'a [f64],
    /// The example's class.
    pub y: usize,
    /// One-vs-rest (else multinomial).
    pub ovr: bool,
}

/// The K-neuron graph of one example: the inputs x_j feed K logits z_k = w_k·x + b_k, which
/// feed the outputs a_k (softmax, or for one-vs-rest K sigmoids normalised), which feed the loss
/// L = −log a_y. The edges z_k → a carry dz_k = a_k − y_k (one-vs-rest: σ(z_k) − y_k, each
/// neuron's own loss), the edges x → z_k the weight vectors' gradient dw_k = x·dz_k in words (one
/// number per feature and class would not fit a picture).
pub fn classes_to_dot(example: &ClassExample, shown: &Shown) -> String {
    let ClassExample {
        feature_names,
        x,
        weights,
        classes,
        z,
        a,
        y,
        ovr,
    } = *example;
    let mut s = String::new();
    let mut line = |text: String| {
        s.push_str(&text);
        s.push('\n');
    };
    line("digraph neurons {".into());
    line(
        "  // One example through K neurons: forward values on nodes, dL/d(node) on edges.".into(),
    );
    line("  rankdir=LR;".into());
    line("  graph [fontname=\"DejaVu Sans\", label=\"K neurons share x; forward values on the nodes, dz_k on the edges z_k → a\", labelloc=t];".into());
    line("  node [shape=box, style=\"rounded,filled\", fillcolor=\"#f5f5f5\", fontname=\"DejaVu Sans\"];".into());
    line(
        "  edge [fontname=\"DejaVu Sans\", fontsize=10, color=\"#1f77b4\", fontcolor=\"#d62728\"];"
            .into(),
    );
    for &j in &shown.features {
        let name = feature_names.get(j).map(String::as_str).unwrap_or("");
        line(format!(
            "  x{} [label={}, fillcolor=\"#e8f0fe\"];",
            j + 1,
            quote(&format!("x{} {}\n= {}", j + 1, name, num(x[j])))
        ));
    }
    if !shown.others.is_empty() {
        // Σ w_kj·x_j over the features not shown, for each class.
        let sums: Vec<String> = weights
            .iter()
            .enumerate()
            .map(|(k, w)| {
                let sum: f64 = shown.others.iter().map(|&j| w[j] * x[j]).sum();
                format!("Σ w{k}j·x_j = {}", num(sum))
            })
            .collect();
        line(format!(
            "  others [label={}, fillcolor=\"#e8f0fe\"];",
            quote(&format!("{}\n{}", shown.others_name(), sums.join("\n")))
        ));
    }
    let output = if ovr {
        "a_k = σ(z_k)/Σ σ(z_l)"
    } else {
        "a = softmax(z)"
    };
    let values: Vec<String> = classes
        .iter()
        .zip(a)
        .enumerate()
        .map(|(k, (c, a))| format!("a{k} ({c}) = {}", num(*a)))
        .collect();
    line(format!(
        "  a [label={}];",
        quote(&format!("{output}\n{}", values.join("\n")))
    ));
    line(format!(
        "  L [label={}, fillcolor=\"#fde8e8\"];",
        quote(&format!("L = −log a_y = −log a{y}\n= {}", num(-a[y].ln())))
    ));
    line(format!(
        "  y [label={}, fillcolor=\"#e8f0fe\"];",
        quote(&format!("y = {y} ({})", classes[y]))
    ));
    for (k, zk) in z.iter().enumerate() {
        let yk = f64::from(u8::from(k == y));
        let dz = if ovr {
            crate::loss::dz(*zk, yk)
        } else {
            a[k] - yk
        };
        let rule = if ovr {
            "σ(z_k) − y_k"
        } else {
            "a_k − y_k"
        };
        line(format!(
            "  z{k} [label={}];",
            quote(&format!("z{k} = w{k}·x + b{k}\n= {}", num(*zk)))
        ));
        for &j in &shown.features {
            line(format!("  x{} -> z{k} [color=\"#999999\"];", j + 1));
        }
        if !shown.others.is_empty() {
            line(format!("  others -> z{k} [color=\"#999999\"];"));
        }
        line(format!(
            "  z{k} -> a [label={}];",
            quote(&format!(
                "dz{k} = {rule}\n= {}\n(dw{k} = x·dz{k}, db{k} = dz{k})",
                num(dz)
            ))
        ));
    }
    line("  a -> L;".into());
    line("  y -> L [color=\"#999999\"];".into());
    line("}".into());
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_has_every_node_and_derivative() {
        let neuron = Neuron::new(&[1.0, 2.0], 1.0, &[0.5, -0.25], 0.1);
        let t = neuron.trace();
        let names = vec!["radius \"mean\"".to_string(), "texture".to_string()];
        let dot = to_dot(&neuron, &names, "malignant", &Shown::all(2));
        assert!(dot.starts_with("digraph neuron {") && dot.trim_end().ends_with('}'));
        for node in [
            "x1 [", "x2 [", "w1 [", "w2 [", "b [", "y [", "z [", "a [", "L [",
        ] {
            assert!(dot.contains(node), "missing node {node}");
        }
        assert!(dot.contains(&format!("dz = a − y\\n= {}", num(t.dz))));
        assert!(dot.contains(&format!("dw2 = x2·dz\\n= {}", num(t.dw[1]))));
        assert!(dot.contains(&format!("db = dz\\n= {}", num(t.db))));
        assert!(dot.contains("da = "));
        assert!(dot.contains("radius \\\"mean\\\""), "quotes are escaped");
        // Balanced quotes: every line has an even number of unescaped quotes.
        for l in dot.lines() {
            let n = l.replace("\\\"", "").matches('"').count();
            assert_eq!(n % 2, 0, "unbalanced quotes in {l}");
        }
    }

    #[test]
    fn class_graph_has_a_logit_per_class_and_its_dz() {
        let classes = vec![
            "setosa".to_string(),
            "versicolor".into(),
            "virginica".into(),
        ];
        let a = [0.7, 0.2, 0.1];
        let example = ClassExample {
            feature_names: &["petal".into()],
            x: &[1.5],
            weights: &[vec![1.0], vec![0.5], vec![0.0]],
            classes: &classes,
            z: &[2.0, 0.75, 0.0],
            a: &a,
            y: 1,
            ovr: false,
        };
        let dot = classes_to_dot(&example, &Shown::all(1));
        for node in ["x1 [", "z0 [", "z1 [", "z2 [", "a [", "L [", "y ["] {
            assert!(dot.contains(node), "missing node {node}");
        }
        // dz_1 = a_1 − 1 for the true class, dz_0 = a_0.
        assert!(dot.contains(&format!("dz1 = a_k − y_k\\n= {}", num(0.2 - 1.0))));
        assert!(dot.contains(&format!("dz0 = a_k − y_k\\n= {}", num(0.7))));
        assert!(dot.contains(&format!("= {}", num(-(0.2f64).ln()))));
    }

    #[test]
    fn top_k_shows_the_largest_contributions_and_sums_the_rest() {
        // Contributions w_j·x_j: 1, −6, 0.5, 3.
        let (x, w) = ([1.0, 2.0, 0.5, 3.0], [1.0, -3.0, 1.0, 1.0]);
        let neuron = Neuron::new(&x, 0.0, &w, 0.0);
        let names: Vec<String> = ["a", "b", "c", "d"].map(String::from).into();
        let contribution: Vec<f64> = x.iter().zip(&w).map(|(x, w)| (x * w).abs()).collect();
        let shown = Shown::top(&contribution, 2);
        assert_eq!(shown.features, [1, 3]);
        assert_eq!(shown.others, [0, 2]);
        let dot = to_dot(&neuron, &names, "no", &shown);
        for node in ["x2 [", "w2 [", "x4 [", "w4 [", "others ["] {
            assert!(dot.contains(node), "missing node {node}");
        }
        for node in ["x1 [", "w1 [", "x3 [", "w3 ["] {
            assert!(!dot.contains(node), "{node} is summed");
        }
        assert!(dot.contains("… 2 others\\nΣ w_j·x_j = 1.5"));
        assert!(dot.contains("others -> z"));
        assert_eq!(
            Shown::top(&contribution, 9),
            Shown {
                features: vec![1, 3, 0, 2],
                others: vec![]
            }
        );
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(0.0), "0");
        assert_eq!(num(-2.0), "-2");
        assert_eq!(num(1.5e-7), "1.50000e-7");
    }
}
