//! `baton validate FILE|-`: JSON or YAML (as `POST /v1/validate` takes it), from a file or
//! standard input; prints the diagnostics as JSON and exits 1 when one is an error.

use anyhow::Context;

pub fn validate(file: &str) -> anyhow::Result<()> {
    let bytes = if file == "-" {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
            .context("cannot read the definition from standard input")?;
        bytes
    } else {
        std::fs::read(file).with_context(|| format!("cannot read {file}"))?
    };
    let diagnostics = match baton_gateway::rest::body::decode_definition(&bytes, false) {
        Ok(text) => match baton_definitions::parse_definition(&text) {
            Ok(def) => def.warnings,
            Err(all) => all,
        },
        Err(unreadable) => vec![unreadable],
    };
    println!("{}", serde_json::to_string_pretty(&diagnostics)?);
    if diagnostics
        .iter()
        .any(|d| d.severity == baton_definitions::Severity::Error)
    {
        std::process::exit(1);
    }
    Ok(())
}
