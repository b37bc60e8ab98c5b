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

use crate::graph::Neuron;

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

/// The DOT text of `neuron`'s graph, with `feature_names[j]` naming x_j, and `label` the
/// example's class label (shown beside y).
pub fn to_dot(neuron: &Neuron, feature_names: &[String], label: &str) -> String {
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
    for (j, (&x, &w)) in neuron.x.iter().zip(&neuron.w).enumerate() {
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
    for j in 0..neuron.x.len() {
        line(format!("  x{0} -> z [color=\"#999999\"];", j + 1));
        line(format!(
            "  w{0} -> z [label={1}];",
            j + 1,
            quote(&format!("dw{} = x{}·dz\n= {}", j + 1, j + 1, num(t.dw[j])))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_has_every_node_and_derivative() {
        let neuron = Neuron::new(&[1.0, 2.0], 1.0, &[0.5, -0.25], 0.1);
        let t = neuron.trace();
        let names = vec!["radius \"mean\"".to_string(), "texture".to_string()];
        let dot = to_dot(&neuron, &names, "malignant");
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
    fn numbers_are_short() {
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(0.0), "0");
        assert_eq!(num(-2.0), "-2");
        assert_eq!(num(1.5e-7), "1.50000e-7");
    }
}
