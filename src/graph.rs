//! The one-neuron computation graph of the lesson, with a real backward pass.
//!
//! Nodes are stored in forward (topological) order; each holds its forward value, and each
//! operation knows its local derivatives with respect to its inputs. `backward` walks the nodes
//! once in reverse, multiplying each node's gradient by its local derivatives and accumulating
//! into the inputs' entries of a gradient store keyed by node id (the chain rule), as
//! karpathy/micrograd does, without reference-counted cells.
//!
//! The neuron built by [`Neuron::new`] is
//!
//! ```text
//! x_j, w_j ──► z₀ = Σ w_j·x_j ──► z = z₀ + b ──► a = σ(z)
//!                                      │
//!                            y ──► L = loss from the logit z   (= −(y log a + (1−y) log(1−a)))
//! ```
//!
//! The loss node reads the logit rather than `a` so it stays finite for any z (see
//! [`crate::loss`]); its local derivative is dL/dz = a − y, which is exactly the lesson's
//! da · da/dz = (−y/a + (1−y)/(1−a)) · a(1−a). This graph serves `explain` and the tests; the
//! training hot path is the vectorised [`crate::objective`].

use crate::loss;

/// Index of a node in a [`Graph`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeId(usize);

/// An operation and the ids of its inputs.
#[derive(Debug, Clone)]
pub enum Op {
    /// An input or parameter: no inputs, no local derivatives.
    Leaf,
    /// Σ_j weights\[j\]·inputs\[j\]; ∂/∂weights\[j\] = inputs\[j\], ∂/∂inputs\[j\] = weights\[j\].
    Dot {
        weights: Vec<NodeId>,
        inputs: Vec<NodeId>,
    },
    /// left + right; both local derivatives are 1.
    Add { left: NodeId, right: NodeId },
    /// σ(input); local derivative σ(1 − σ).
    Sigmoid { input: NodeId },
    /// Cross-entropy from the logit; local derivative with respect to the logit is σ(z) − y.
    /// The label is an input with no gradient taken.
    LogLoss { logit: NodeId, label: NodeId },
}

/// One node: its name in the lesson's notation, its operation and its forward value.
#[derive(Debug, Clone)]
pub struct Node {
    pub name: String,
    pub op: Op,
    pub value: f64,
}

/// A computation graph, nodes in forward order.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    nodes: Vec<Node>,
}

/// The result of a backward pass: dRoot/dNode for every node, keyed by [`NodeId`].
#[derive(Debug, Clone)]
pub struct Gradients(Vec<f64>);

impl Gradients {
    /// The derivative of the root with respect to `node`.
    pub fn of(&self, node: NodeId) -> f64 {
        self.0[node.0]
    }
}

impl Graph {
    pub fn new() -> Self {
        Self::default()
    }

    fn push(&mut self, name: impl Into<String>, op: Op, value: f64) -> NodeId {
        self.nodes.push(Node {
            name: name.into(),
            op,
            value,
        });
        NodeId(self.nodes.len() - 1)
    }

    /// The forward value of `node`.
    pub fn value(&self, node: NodeId) -> f64 {
        self.nodes[node.0].value
    }

    /// The node itself.
    pub fn node(&self, node: NodeId) -> &Node {
        &self.nodes[node.0]
    }

    /// All nodes in forward order.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    pub fn leaf(&mut self, name: impl Into<String>, value: f64) -> NodeId {
        self.push(name, Op::Leaf, value)
    }

    pub fn dot(
        &mut self,
        name: impl Into<String>,
        weights: Vec<NodeId>,
        inputs: Vec<NodeId>,
    ) -> NodeId {
        assert_eq!(
            weights.len(),
            inputs.len(),
            "dot of vectors of different lengths"
        );
        // Summed in index order, in f64, as the vectorised objective does.
        let value = weights
            .iter()
            .zip(&inputs)
            .map(|(w, x)| self.value(*w) * self.value(*x))
            .sum();
        self.push(name, Op::Dot { weights, inputs }, value)
    }

    pub fn add(&mut self, name: impl Into<String>, left: NodeId, right: NodeId) -> NodeId {
        let value = self.value(left) + self.value(right);
        self.push(name, Op::Add { left, right }, value)
    }

    pub fn sigmoid(&mut self, name: impl Into<String>, input: NodeId) -> NodeId {
        let value = loss::sigmoid(self.value(input));
        self.push(name, Op::Sigmoid { input }, value)
    }

    pub fn log_loss(&mut self, name: impl Into<String>, logit: NodeId, label: NodeId) -> NodeId {
        let value = loss::loss_from_logit(self.value(logit), self.value(label));
        self.push(name, Op::LogLoss { logit, label }, value)
    }

    /// The local derivatives ∂node/∂input for each input of `node`.
    pub fn local_derivatives(&self, node: NodeId) -> Vec<(NodeId, f64)> {
        match &self.nodes[node.0].op {
            Op::Leaf => Vec::new(),
            Op::Dot { weights, inputs } => weights
                .iter()
                .zip(inputs)
                .flat_map(|(&w, &x)| [(w, self.value(x)), (x, self.value(w))])
                .collect(),
            Op::Add { left, right } => vec![(*left, 1.0), (*right, 1.0)],
            Op::Sigmoid { input } => {
                let a = self.nodes[node.0].value;
                vec![(*input, a * (1.0 - a))]
            }
            Op::LogLoss { logit, label } => {
                vec![(*logit, loss::dz(self.value(*logit), self.value(*label)))]
            }
        }
    }

    /// Reverse-mode differentiation of `root`: one reversed sweep over the nodes in forward
    /// order, accumulating gradient × local derivative into each input.
    pub fn backward(&self, root: NodeId) -> Gradients {
        let mut grad = vec![0.0; self.nodes.len()];
        grad[root.0] = 1.0;
        for id in (0..=root.0).rev() {
            if grad[id] == 0.0 {
                continue;
            }
            for (input, local) in self.local_derivatives(NodeId(id)) {
                grad[input.0] += grad[id] * local;
            }
        }
        Gradients(grad)
    }
}

/// The lesson's neuron for one example, built as a graph, with handles on its named nodes.
#[derive(Debug, Clone)]
pub struct Neuron {
    pub graph: Graph,
    pub x: Vec<NodeId>,
    pub w: Vec<NodeId>,
    pub b: NodeId,
    pub y: NodeId,
    /// z₀ = w·x.
    pub dot: NodeId,
    /// z = w·x + b.
    pub z: NodeId,
    /// a = σ(z).
    pub a: NodeId,
    /// L(a, y).
    pub loss: NodeId,
}

/// One example's forward and backward values, in the lesson's names.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    pub z: f64,
    pub a: f64,
    pub loss: f64,
    /// da = dL/da = −y/a + (1 − y)/(1 − a), computed from the logit as
    /// −y·(1 + e^(−z)) + (1 − y)·(1 + e^z): finite even where a has rounded to 0 or 1.
    pub da: f64,
    /// dz = dL/dz = a − y.
    pub dz: f64,
    /// dw_j = dL/dw_j = x_j·dz.
    pub dw: Vec<f64>,
    /// db = dL/db = dz.
    pub db: f64,
}

impl Neuron {
    /// Builds the graph of one example (x, y) at parameters (w, b), forward values filled in.
    pub fn new(x: &[f64], y: f64, w: &[f64], b: f64) -> Self {
        assert_eq!(x.len(), w.len(), "x and w differ in length");
        let mut graph = Graph::new();
        let x: Vec<NodeId> = x
            .iter()
            .enumerate()
            .map(|(j, &v)| graph.leaf(format!("x{}", j + 1), v))
            .collect();
        let w: Vec<NodeId> = w
            .iter()
            .enumerate()
            .map(|(j, &v)| graph.leaf(format!("w{}", j + 1), v))
            .collect();
        let b = graph.leaf("b", b);
        let y = graph.leaf("y", y);
        let dot = graph.dot("w·x", w.clone(), x.clone());
        let z = graph.add("z", dot, b);
        let a = graph.sigmoid("a", z);
        let loss = graph.log_loss("L", z, y);
        Neuron {
            graph,
            x,
            w,
            b,
            y,
            dot,
            z,
            a,
            loss,
        }
    }

    /// Runs the backward pass from the loss and collects the lesson's quantities.
    pub fn trace(&self) -> Trace {
        let grads = self.graph.backward(self.loss);
        let a = self.graph.value(self.a);
        let y = self.graph.value(self.y);
        let z = self.graph.value(self.z);
        Trace {
            z,
            a,
            loss: self.graph.value(self.loss),
            // 1/a = 1 + e^(−z) and 1/(1 − a) = 1 + e^z; a term whose label weight is 0 is
            // left out, not multiplied by an infinite e^(±z).
            da: if y == 0.0 {
                0.0
            } else {
                -y * (1.0 + (-z).exp())
            } + if y == 1.0 {
                0.0
            } else {
                (1.0 - y) * (1.0 + z.exp())
            },
            dz: grads.of(self.z),
            dw: self.w.iter().map(|&w| grads.of(w)).collect(),
            db: grads.of(self.b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backward_follows_the_lesson() {
        // x = (1, 2), w = (0.5, −0.25), b = 0.1, y = 1: z = 0.1, a = σ(0.1).
        let neuron = Neuron::new(&[1.0, 2.0], 1.0, &[0.5, -0.25], 0.1);
        let t = neuron.trace();
        let a = 1.0 / (1.0 + (-0.1f64).exp());
        assert!((t.z - 0.1).abs() < 1e-15);
        assert!((t.a - a).abs() < 1e-15);
        // dz = a − y
        assert!((t.dz - (a - 1.0)).abs() < 1e-15);
        // dz = da · a(1 − a)
        assert!((t.da * a * (1.0 - a) - t.dz).abs() < 1e-15);
        // dw_j = x_j dz, db = dz
        assert!((t.dw[0] - t.dz).abs() < 1e-15 && (t.dw[1] - 2.0 * t.dz).abs() < 1e-15);
        assert_eq!(t.db, t.dz);
    }

    #[test]
    fn da_is_finite_where_a_rounds_to_one() {
        // z = 40: a = σ(40) is 1 in f64, so −y/a + (1 − y)/(1 − a) would be ∞ or NaN for y = 0.
        for (y, expected) in [(1.0, -(1.0 + (-40f64).exp())), (0.0, 1.0 + 40f64.exp())] {
            let t = Neuron::new(&[1.0], y, &[40.0], 0.0).trace();
            assert_eq!(t.a, 1.0);
            assert!(t.da.is_finite() && (t.da - expected).abs() <= 1e-12 * expected.abs());
        }
    }

    #[test]
    fn gradient_reaches_inputs_through_shared_nodes() {
        // z appears twice downstream (a and L); the store accumulates, and the leaf x gets w·dz.
        let neuron = Neuron::new(&[3.0], 0.0, &[-2.0], 0.0);
        let grads = neuron.graph.backward(neuron.loss);
        assert!((grads.of(neuron.x[0]) - (-2.0) * grads.of(neuron.z)).abs() < 1e-15);
        assert_eq!(grads.of(neuron.a), 0.0, "a is not on the loss path");
    }
}
