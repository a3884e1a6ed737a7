//! Secrets as Juju prints them: Go structs, whose fields keep their declared order in JSON
//! (`json.Marshal`, compact) and YAML (`yaml.v2`, block style), with the `omitempty` fields left
//! out by the caller. [`Node`] is such a value; maps inside it keep their order.

use serde_json::Value;

use crate::gojson;

/// A value to print: a scalar, or a map or list whose order is kept.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Leaf(Value),
    /// A time (`time.Time`), which yaml.v2 writes unquoted and JSON as a string.
    Time(String),
    Map(Vec<(String, Node)>),
    List(Vec<Node>),
}

impl Node {
    pub fn str(s: impl Into<String>) -> Node {
        Node::Leaf(Value::String(s.into()))
    }

    pub fn int(n: impl Into<i64>) -> Node {
        Node::Leaf(Value::from(n.into()))
    }
}

/// Compact JSON, as `json.Marshal` writes it, then a line break (juju/cmd's `json` formatter).
pub fn json(node: &Node) -> String {
    let mut out = String::new();
    write_json(node, &mut out);
    out.push('\n');
    out
}

fn write_json(node: &Node, out: &mut String) {
    match node {
        Node::Leaf(v) => out.push_str(&gojson::marshal(v)),
        Node::Time(t) => out.push_str(&gojson::marshal(&Value::String(t.clone()))),
        Node::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&gojson::marshal(&Value::String(k.clone())));
                out.push(':');
                write_json(v, out);
            }
            out.push('}');
        }
        Node::List(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(v, out);
            }
            out.push(']');
        }
    }
}

/// Block YAML as `yaml.v2` writes it (`{}` for an empty map).
pub fn yaml(node: &Node) -> String {
    match node {
        Node::Map(entries) if entries.is_empty() => "{}\n".into(),
        Node::List(items) if items.is_empty() => "[]\n".into(),
        Node::Map(_) | Node::List(_) => {
            let mut out = String::new();
            write_yaml(node, 0, &mut out);
            out
        }
        Node::Leaf(v) => gojson::yaml(v),
        Node::Time(t) => format!("{t}\n"),
    }
}

fn write_yaml(node: &Node, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match node {
        Node::Map(entries) => {
            for (k, v) in entries {
                out.push_str(&format!("{pad}{k}:"));
                write_child(v, indent + 2, out, false);
            }
        }
        Node::List(items) => {
            for v in items {
                out.push_str(&format!("{pad}-"));
                write_child(v, indent + 2, out, true);
            }
        }
        Node::Leaf(v) => out.push_str(&format!("{pad}{}", gojson::yaml(v))),
        Node::Time(t) => out.push_str(&format!("{pad}{t}\n")),
    }
}

fn write_child(node: &Node, indent: usize, out: &mut String, in_seq: bool) {
    match node {
        Node::Map(entries) if !entries.is_empty() => {
            if in_seq {
                let mut inner = String::new();
                write_yaml(node, indent, &mut inner);
                out.push(' ');
                out.push_str(inner.trim_start());
            } else {
                out.push('\n');
                write_yaml(node, indent, out);
            }
        }
        Node::List(items) if !items.is_empty() => {
            out.push('\n');
            // yaml.v2 does not indent a sequence under a mapping key.
            let child = if in_seq { indent } else { indent - 2 };
            write_yaml(node, child, out);
        }
        Node::Map(_) => out.push_str(" {}\n"),
        Node::List(_) => out.push_str(" []\n"),
        Node::Leaf(v) => out.push_str(&gojson::yaml_child(v, indent)),
        Node::Time(t) => out.push_str(&format!(" {t}\n")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_maps_print_as_go_structs() {
        // cmd/juju/secrets/show_test.go TestShow's output shape (juju b57dc713).
        let node = Node::Map(vec![(
            "9m4e2mr0ui3e8a215n4g".into(),
            Node::Map(vec![
                ("revision".into(), Node::int(2)),
                ("rotation".into(), Node::str("hourly")),
                ("owner".into(), Node::str("mysql")),
                ("created".into(), Node::Time("0001-01-01T00:00:00Z".into())),
                (
                    "access".into(),
                    Node::List(vec![Node::Map(vec![
                        ("target".into(), Node::str("application-gitlab")),
                        ("scope".into(), Node::str("relation-key")),
                        ("role".into(), Node::str("view")),
                    ])]),
                ),
                (
                    "content".into(),
                    Node::Map(vec![("foo".into(), Node::str("bar\nbaz"))]),
                ),
            ]),
        )]);
        assert_eq!(
            yaml(&node),
            "9m4e2mr0ui3e8a215n4g:\n  revision: 2\n  rotation: hourly\n  owner: mysql\n  created: 0001-01-01T00:00:00Z\n  access:\n  - target: application-gitlab\n    scope: relation-key\n    role: view\n  content:\n    foo: |-\n      bar\n      baz\n"
        );
        assert_eq!(
            json(&node),
            "{\"9m4e2mr0ui3e8a215n4g\":{\"revision\":2,\"rotation\":\"hourly\",\"owner\":\"mysql\",\"created\":\"0001-01-01T00:00:00Z\",\"access\":[{\"target\":\"application-gitlab\",\"scope\":\"relation-key\",\"role\":\"view\"}],\"content\":{\"foo\":\"bar\\nbaz\"}}}\n"
        );
        assert_eq!(yaml(&Node::Map(vec![])), "{}\n");
    }
}
