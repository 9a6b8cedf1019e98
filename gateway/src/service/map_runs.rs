//! Map Runs (`DescribeMapRun`, `ListMapRuns`): read from the record heads, where the pure
//! core keeps each distributed Map run with its counts (`baton_engine::machine::MapRun`).
//!
//! A Map Run ARN names its state machine but not its execution, so describing one reads
//! the state machine's executions (heads only, 1,000 a page) until one holds a run with
//! that ARN's uuid: O(executions of the machine). Listing an execution's runs reads its
//! record only.

use baton_engine::machine::{Execution, MapRun};
use baton_engine::store::Store;

use super::names::check_name;
use super::{Result, Service, ServiceError};

/// The parts of `arn:aws:states:<region>:<account>:mapRun:<state machine>/<label>:<uuid>`:
/// the state machine and the uuid.
pub fn map_run_arn_parts(arn: &str) -> Result<(String, String)> {
    let parts: Vec<&str> = arn.split(':').collect();
    let invalid = || ServiceError::InvalidArn(arn.to_owned());
    let ["arn", _, "states", _, _, "mapRun", run, id] = parts.as_slice() else {
        return Err(invalid());
    };
    let (machine, label) = run.split_once('/').ok_or_else(invalid)?;
    let label_ok = !label.is_empty() && label.chars().count() <= 80;
    if check_name(machine).is_err() || !label_ok || uuid::Uuid::parse_str(id).is_err() {
        return Err(invalid());
    }
    Ok((machine.to_owned(), id.to_ascii_lowercase()))
}

impl<S: Store> Service<S> {
    /// The Map Run an ARN names, with the head of its execution.
    pub async fn describe_map_run(&self, arn: &str) -> Result<(Execution, MapRun)> {
        let (machine, id) = map_run_arn_parts(arn)?;
        let not_found = || ServiceError::ResourceNotFound(arn.to_owned());
        let mut cursor: Option<String> = None;
        loop {
            let page = (self.store)
                .list_executions(&machine, None, cursor.as_deref(), 1000)
                .await?;
            for exec in page.executions {
                let found = (exec.map_runs.iter()).find(|run| run.uuid(&exec.id) == id);
                if let Some(run) = found {
                    let run = run.clone();
                    if run.arn(&self.settings, &exec) != arn {
                        return Err(not_found());
                    }
                    return Ok((exec, run));
                }
            }
            match page.next {
                Some(next) => cursor = Some(next),
                None => return Err(not_found()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_run_arns_parse() {
        let arn =
            "arn:aws:states:us-east-1:1:mapRun:orders/Each:3c39a231-69bb-3d89-8607-9e124eddbb0b";
        assert_eq!(
            map_run_arn_parts(arn).unwrap(),
            (
                "orders".into(),
                "3c39a231-69bb-3d89-8607-9e124eddbb0b".into()
            )
        );
        for bad in [
            "",
            "arn:aws:states:us-east-1:1:mapRun:orders:3c39a231-69bb-3d89-8607-9e124eddbb0b",
            "arn:aws:states:us-east-1:1:mapRun:orders/Each:nope",
            "arn:aws:states:us-east-1:1:execution:orders/Each:3c39a231-69bb-3d89-8607-9e124eddbb0b",
            "arn:aws:states:us-east-1:1:mapRun:/Each:3c39a231-69bb-3d89-8607-9e124eddbb0b",
        ] {
            assert!(map_run_arn_parts(bad).is_err(), "{bad}");
        }
    }
}
