//! The YAML front matter at the top of a `SKILL.md`, as the JSON object a skill entry
//! carries verbatim.

use serde_json::{Map, Value};

use super::SkillError;

/// The front matter of `markdown`: the YAML between a first line `---` and the next line
/// `---`, as a JSON object. A byte-order mark before it is allowed.
pub fn parse(markdown: &str) -> Result<Map<String, Value>, SkillError> {
    let text = markdown.strip_prefix('\u{feff}').unwrap_or(markdown);
    let Some(rest) = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
    else {
        return Err(SkillError::new(
            "SKILL.md must begin with YAML front matter: a line `---`, the fields, a line `---`",
        ));
    };
    let (yaml, _body) = split_at_closing(rest)
        .ok_or_else(|| SkillError::new("the front matter of SKILL.md has no closing `---` line"))?;
    let value: Value = serde_yaml::from_str(yaml)
        .map_err(|e| SkillError::new(format!("the front matter of SKILL.md is not YAML: {e}")))?;
    let Value::Object(fields) = value else {
        return Err(SkillError::new(
            "the front matter of SKILL.md must be a mapping of fields (name: ..., description: ...)",
        ));
    };
    for field in ["name", "description"] {
        match fields.get(field) {
            Some(Value::String(s)) if !s.is_empty() => {}
            _ => {
                return Err(SkillError::new(format!(
                    "the front matter of SKILL.md needs a non-empty string `{field}`"
                )));
            }
        }
    }
    Ok(fields)
}

/// The YAML before the line `---` that closes it (trailing blanks allowed), and the rest.
fn split_at_closing(rest: &str) -> Option<(&str, &str)> {
    let mut start = 0;
    // An empty front matter closes on its first line.
    loop {
        let end = rest[start..].find('\n').map_or(rest.len(), |i| start + i);
        let line = rest[start..end].trim_end_matches('\r');
        if line.trim_end_matches([' ', '\t']) == "---" {
            let yaml = rest[..start].trim_end_matches('\n').trim_end_matches('\r');
            return Some((yaml, rest.get(end + 1..).unwrap_or("")));
        }
        if end >= rest.len() {
            return None;
        }
        start = end + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_every_field_verbatim() {
        let md = "---\nname: refunds\ndescription: Process refunds\nlicense: Apache-2.0\nmetadata:\n  version: \"2.1\"\n  tags: [a, b]\n---\n# Body\n";
        let fields = parse(md).expect("front matter");
        assert_eq!(
            Value::Object(fields),
            json!({"name": "refunds", "description": "Process refunds", "license": "Apache-2.0",
                   "metadata": {"version": "2.1", "tags": ["a", "b"]}})
        );
    }

    #[test]
    fn crlf_and_bom_are_accepted() {
        let md = "\u{feff}---\r\nname: a\r\ndescription: b\r\n---\r\nbody";
        assert_eq!(parse(md).expect("front matter")["name"], "a");
    }

    #[test]
    fn mistakes_say_what_is_wrong() {
        let cases = [
            ("# no front matter", "must begin with YAML front matter"),
            ("---\nname: a\ndescription: b\n", "no closing `---`"),
            ("---\nname: a\n---\n", "non-empty string `description`"),
            ("---\n- a\n- b\n---\n", "must be a mapping"),
            ("---\nname: [unclosed\n---\n", "is not YAML"),
        ];
        for (md, expected) in cases {
            let error = parse(md).expect_err(md).to_string();
            assert!(error.contains(expected), "{md:?}: {error}");
        }
    }
}
