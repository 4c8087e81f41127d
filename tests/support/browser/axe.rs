//! axe-core, injected into the page through WebDriver (not subject to the node's CSP), run on
//! the whole document.

use std::sync::OnceLock;

use serde_json::Value;

use super::{Browser, Tools};

/// The text of `axe.min.js`, read once per test binary.
pub(super) fn source(tools: &Tools) -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| std::fs::read_to_string(&tools.axe).expect("axe.min.js readable"))
}

impl Browser {
    /// Runs axe-core on the current page; panics on any serious or critical violation.
    pub async fn check_accessibility(&self) {
        let (blocking, others) = self.accessibility_violations().await;
        let page = self
            .client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        for violation in &others {
            eprintln!("axe-core note on {page}:\n{}", describe(violation));
        }
        let blocking: Vec<String> = blocking.iter().map(describe).collect();
        assert!(
            blocking.is_empty(),
            "axe-core: {} serious or critical violation(s) on {page}:\n{}",
            blocking.len(),
            blocking.join("\n")
        );
    }

    /// axe-core's violations on the current page: (serious or critical, moderate or minor).
    pub async fn accessibility_violations(&self) -> (Vec<Value>, Vec<Value>) {
        let loaded = self
            .client
            .execute("return typeof axe !== 'undefined';", vec![])
            .await;
        if loaded.ok() != Some(Value::Bool(true)) {
            self.client
                .execute(self.axe, vec![])
                .await
                .expect("axe-core injected");
        }
        let run = "const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ['violations'] })
              .then(r => done(r.violations), e => done({ error: String(e) }));";
        let result = self
            .client
            .execute_async(run, vec![])
            .await
            .expect("axe.run");
        let Value::Array(violations) = result else {
            panic!("axe.run failed: {result}");
        };
        violations
            .into_iter()
            .partition(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
    }
}

/// One violation: rule, impact, help and the failing nodes' targets.
fn describe(violation: &Value) -> String {
    let targets: Vec<String> = violation["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|node| node["target"].to_string())
        .collect();
    format!(
        "- {} ({}): {} [{}]\n  nodes: {}",
        violation["id"].as_str().unwrap_or("?"),
        violation["impact"].as_str().unwrap_or("?"),
        violation["help"].as_str().unwrap_or("?"),
        violation["helpUrl"].as_str().unwrap_or(""),
        targets.join(", ")
    )
}
