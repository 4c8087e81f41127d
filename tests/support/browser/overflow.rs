//! No horizontal overflow at 320 CSS pixels, the narrowest phone the UI supports: every page a
//! [`Browser`] reaches is laid out again at that width (Chrome DevTools emulation), measured,
//! then given back its own viewport.

use serde_json::{Value, json};

use super::{Browser, VIEWPORT};

/// The narrowest width every page must fit (CSS pixels).
pub const NARROWEST: u32 = 320;

impl Browser {
    /// Lays the current page out at [`NARROWEST`] px and panics when it is wider than the
    /// window (`scrollWidth > clientWidth`), naming the elements that stick out.
    pub async fn check_no_overflow(&self) {
        self.emulate(NARROWEST, self.viewport.1, true).await;
        // Reading the sizes forces a layout at the new width: no waiting needed.
        let script = "const root = document.documentElement;
            const limit = root.clientWidth;
            const wide = [...document.querySelectorAll('body *')]
              .filter(e => e.getBoundingClientRect().right > limit + 0.5)
              .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > limit + 0.5))
              .slice(0, 8)
              .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                + (typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\\s+/).join('.') : '')
                + ' (' + Math.round(e.getBoundingClientRect().right) + ' px) '
                + JSON.stringify((e.textContent || '').trim().slice(0, 40)));
            return [root.scrollWidth, limit, wide];";
        let measured = self.client.execute(script, vec![]).await;
        let (width, height) = self.viewport;
        self.emulate(width, height, width <= VIEWPORT.0).await;
        let measured = measured.expect("page measured");
        let number = |i: usize| measured[i].as_u64().unwrap_or(0);
        let (scroll, client) = (number(0), number(1));
        if scroll > client {
            let page = self
                .client
                .current_url()
                .await
                .map(|u| u.to_string())
                .unwrap_or_default();
            let wide: Vec<String> = measured[2]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
            panic!(
                "horizontal overflow at {NARROWEST} px on {page}: {scroll} px of content in \
                 {client} px; sticking out:\n  {}",
                wide.join("\n  ")
            );
        }
    }

    /// Emulates a screen `width` × `height` CSS pixels (a phone when `mobile`).
    async fn emulate(&self, width: u32, height: u32, mobile: bool) {
        let params = json!({
            "width": width,
            "height": height,
            "deviceScaleFactor": 1,
            "mobile": mobile,
        });
        self.devtools("Emulation.setDeviceMetricsOverride", params)
            .await;
    }
}
