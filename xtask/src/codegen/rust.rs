//! Rust spelling for generated code: identifiers from API names and doc comments from API prose.

use std::fmt::Write as _;

/// The words of an API name: `browserLink` → `[browser, link]`, `@context` → `[context]`,
/// `HTTPStatus2xx` → `[http, status2xx]`, `sync-page` → `[sync, page]`.
pub(crate) fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        let boundary = c.is_ascii_uppercase()
            && !current.is_empty()
            && (prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit())
                || (prev.is_some_and(|p| p.is_ascii_uppercase()) && next.is_some_and(|n| n.is_ascii_lowercase())));
        if boundary {
            words.push(std::mem::take(&mut current));
        }
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// `browserLink` → `browser_link`.
pub(crate) fn snake(name: &str) -> String {
    words(name).join("_")
}

/// `browserLink` → `BrowserLink`; a leading digit gets a `V` prefix.
pub(crate) fn pascal(name: &str) -> String {
    let mut out = String::new();
    for word in words(name) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    out
}

/// `BrowserLink` → `browserLink`.
pub(crate) fn lower_camel(name: &str) -> String {
    let p = pascal(name);
    let mut chars = p.chars();
    chars.next().map(|c| c.to_ascii_lowercase().to_string() + chars.as_str()).unwrap_or_default()
}

/// The Rust name of an API field: snake case, `type` becomes `kind`, other keywords get `r#`.
pub(crate) fn field_name(json: &str) -> String {
    let name = snake(json);
    match name.as_str() {
        "type" => "kind".to_owned(),
        "self" | "super" | "crate" => format!("{name}_"),
        _ if is_keyword(&name) => format!("r#{name}"),
        _ => name,
    }
}

fn is_keyword(s: &str) -> bool {
    matches!(
        s,
        "as" | "async"
            | "await"
            | "break"
            | "const"
            | "continue"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "gen"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "static"
            | "struct"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "abstract"
            | "become"
            | "box"
            | "do"
            | "final"
            | "macro"
            | "override"
            | "priv"
            | "try"
            | "typeof"
            | "unsized"
            | "virtual"
            | "yield"
    )
}

/// A Rust string literal for `s`.
pub(crate) fn lit(s: &str) -> String {
    format!("{s:?}")
}

/// `text` as `///` lines; runs of blank lines become one.
pub(crate) fn doc(out: &mut String, indent: &str, text: &str) {
    let lines: Vec<&str> = text.trim().lines().map(str::trim_end).collect();
    let mut previous_blank = false;
    for line in lines {
        let blank = line.trim().is_empty();
        if blank && previous_blank {
            continue;
        }
        previous_blank = blank;
        if blank {
            let _ = writeln!(out, "{indent}///");
        } else {
            let _ = writeln!(out, "{indent}/// {line}");
        }
    }
}

/// The first paragraph of `text`, on one line.
pub(crate) fn first_paragraph(text: &str) -> String {
    text.trim().split("\n\n").next().unwrap_or("").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// API prose made safe for rustdoc.
///
/// Angle brackets become entities (they would be read as HTML tags) except in autolinks, and square
/// brackets that are not Markdown links are escaped (they would be read as intra-doc links).
pub(crate) fn prose(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let rest: String = chars[i..].iter().take(8).collect();
        let starts_url = !in_code && (rest.starts_with("http://") || rest.starts_with("https://"));
        if starts_url && !matches!(out.chars().last(), Some('(' | '<')) {
            // A bare URL: rustdoc wants it in angle brackets to link it.
            let mut end = i;
            while end < chars.len()
                && !chars[end].is_whitespace()
                && !matches!(chars[end], '"' | '\'' | ')' | '>' | '<')
            {
                end += 1;
            }
            while end > i && matches!(chars[end - 1], '.' | ',' | ';' | ':' | '!' | '?') {
                end -= 1;
            }
            out.push('<');
            out.extend(&chars[i..end]);
            out.push('>');
            i = end;
            continue;
        }
        match c {
            '`' => {
                in_code = !in_code;
                out.push(c);
            }
            '<' if !in_code => {
                // Keep autolinks such as <https://coda.io>; escape everything else.
                let rest: String = chars[i..].iter().take_while(|&&c| c != '>' && c != ' ').collect();
                if rest.starts_with("<http") && chars.get(i + rest.chars().count()) == Some(&'>') {
                    out.push_str(&rest);
                    out.push('>');
                    i += rest.chars().count() + 1;
                    continue;
                }
                out.push_str("&lt;");
            }
            '>' if !in_code => out.push_str("&gt;"),
            '[' if !in_code => {
                // A Markdown link `[text](url)` stays; a lone `[x]` is escaped.
                let close = chars[i..].iter().position(|&c| c == ']').map(|p| p + i);
                let is_link = close.is_some_and(|j| chars.get(j + 1) == Some(&'('));
                if is_link {
                    out.push('[');
                } else {
                    out.push_str("\\[");
                }
            }
            ']' if !in_code => {
                let is_link = chars.get(i + 1) == Some(&'(');
                if is_link || out.ends_with('[') {
                    out.push(']');
                } else {
                    // Escape only the closing bracket of an escaped opening one.
                    let open_escaped = out.rfind("\\[").is_some_and(|p| out.rfind('[') == Some(p + 1));
                    out.push_str(if open_escaped { "\\]" } else { "]" });
                }
            }
            _ => out.push(c),
        }
        i += 1;
    }
    if in_code {
        // An unbalanced backtick would swallow the rest of the item's docs.
        out.push('`');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(snake("browserLink"), "browser_link");
        assert_eq!(snake("@context"), "context");
        assert_eq!(snake("tableIdOrName"), "table_id_or_name");
        assert_eq!(pascal("simpleWithArrays"), "SimpleWithArrays");
        assert_eq!(pascal("dateTime"), "DateTime");
        assert_eq!(pascal("HTMLPage"), "HtmlPage");
        assert_eq!(pascal("h1"), "H1");
        assert_eq!(pascal("2x"), "V2x");
        assert_eq!(field_name("type"), "kind");
        assert_eq!(field_name("@type"), "kind");
        assert_eq!(field_name("ref"), "r#ref");
        assert_eq!(lower_camel("ImageReference"), "imageReference");
    }

    #[test]
    fn docs_are_made_safe() {
        let mut out = String::new();
        let text = prose("Use <b>bold</b> and [a link](https://x) or [x] and `a<b>`\n\n\n<https://coda.io>");
        doc(&mut out, "", &text);
        assert_eq!(
            out,
            "/// Use &lt;b&gt;bold&lt;/b&gt; and [a link](https://x) or \\[x\\] and `a<b>`\n///\n/// <https://coda.io>\n"
        );
        assert_eq!(
            prose("see https://momentjs.com/docs/#/displaying/."),
            "see <https://momentjs.com/docs/#/displaying/>."
        );
        assert_eq!(prose("typically \"http://schema.org/\""), "typically \"<http://schema.org/>\"");
    }
}
