//! Diagrams: a ```` ```diagram ```` block holds ASCII art (boxes, lines, arrows, labels) that
//! svgbob turns into an inline SVG at build time. The SVG draws with `currentColor`, so it follows
//! the theme's text colour in light and dark mode, and needs no JavaScript or network to show.
//! The ASCII source stays readable in the Markdown and is kept in the page for text browsers.

use docgen_core::text::escape;

/// Renders a diagram block to a `<figure>` with an inline SVG.
pub fn render(ascii: &str, title: Option<&str>) -> String {
    let settings = svgbob::Settings {
        stroke_color: "currentColor".to_string(),
        fill_color: "currentColor".to_string(),
        background: "transparent".to_string(),
        include_backdrop: false,
        ..svgbob::Settings::default()
    };
    let svg = svgbob::to_svg_with_settings(ascii.trim_end_matches('\n'), &settings);
    let label = title.unwrap_or("Diagram");
    let svg = svg.replacen(
        "<svg ",
        &format!("<svg role=\"img\" aria-label=\"{}\" ", escape(label)),
        1,
    );
    let mut html = String::from("<figure class=\"diagram\">");
    html.push_str(&svg);
    if let Some(t) = title {
        html.push_str(&format!("<figcaption>{}</figcaption>", escape(t)));
    }
    html.push_str(&format!(
        "<details class=\"diagram-source\"><summary>ASCII</summary><pre>{}</pre></details>",
        escape(ascii)
    ));
    html.push_str("</figure>\n");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_art_becomes_inline_svg_in_the_text_colour() {
        let html = render(
            "+---------+     +-------+\n| Browser |---->| nginx |\n+---------+     +-------+\n",
            Some("Request path"),
        );
        assert!(html.starts_with(
            "<figure class=\"diagram\"><svg role=\"img\" aria-label=\"Request path\""
        ));
        assert!(html.contains("Browser"));
        assert!(html.contains("currentColor"));
        assert!(html.contains("<figcaption>Request path</figcaption>"));
    }
}
