//! Where a finished report is written, besides `LAST_CHECK.json`: a file in a chosen format
//! (`check --output`, the demo's reports), or a folder of runs (`watch --report-dir`). Every
//! file is written atomically.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::CheckError;
use crate::cli::ReportFormat;
use crate::report::Report;

pub(crate) enum Output {
    /// One file in one format; its folder is made when missing.
    File { path: PathBuf, format: ReportFormat },
    /// Per run `<stamp>.json` and `<stamp>.md`, and `latest.json`; only the newest `keep` runs
    /// are kept.
    Runs { dir: PathBuf, keep: usize },
}

impl Output {
    /// `report` written here. `saved_json` is a file that already holds `report` as JSON
    /// (`LAST_CHECK.json`): a JSON output is a copy of its bytes rather than a second
    /// serialisation, which at 100,000 sources is a read of every row again.
    pub(crate) fn write(
        &self,
        report: &Report,
        saved_json: Option<&Path>,
    ) -> Result<(), CheckError> {
        match self {
            Output::File { path, format } => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(failed(dir))?;
                }
                if *format == ReportFormat::Json {
                    return crate::atomic::write_with(path, |out| json(out, report, saved_json))
                        .map_err(failed(path));
                }
                let text = crate::report::render(report, *format);
                crate::atomic::write(path, text.as_bytes()).map_err(failed(path))
            }
            Output::Runs { dir, keep } => {
                write_runs(dir, report, *keep, saved_json).map_err(failed(dir))
            }
        }
    }
}

fn json(out: &mut dyn Write, report: &Report, saved_json: Option<&Path>) -> std::io::Result<()> {
    match saved_json {
        Some(saved) => std::io::copy(&mut std::fs::File::open(saved)?, out).map(drop),
        None => crate::report::write_pretty_json(out, report),
    }
}

fn failed(path: &Path) -> impl FnOnce(std::io::Error) -> CheckError + '_ {
    move |source| CheckError::Output {
        path: path.to_path_buf(),
        source,
    }
}

fn is_report_file(name: &str) -> bool {
    let stem = name
        .strip_suffix(".json")
        .or_else(|| name.strip_suffix(".md"));
    stem.is_some_and(|s| s.len() == 19 && s.as_bytes()[8] == b'T' && s.ends_with('Z'))
}

fn write_runs(
    dir: &Path,
    report: &Report,
    keep: usize,
    saved_json: Option<&Path>,
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let stamp = report.finished_at.format("%Y%m%dT%H%M%S%3fZ").to_string();
    let json = |out: &mut dyn Write| json(out, report, saved_json);
    crate::atomic::write_with(&dir.join(format!("{stamp}.json")), json)?;
    crate::atomic::write(
        &dir.join(format!("{stamp}.md")),
        crate::report::render(report, ReportFormat::Markdown).as_bytes(),
    )?;
    crate::atomic::write_with(&dir.join("latest.json"), json)?;
    let mut runs: Vec<String> = std::fs::read_dir(dir)?
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| is_report_file(n))
        .collect();
    runs.sort();
    let stems: std::collections::BTreeSet<String> = runs
        .iter()
        .map(|n| n.split('.').next().unwrap_or("").to_string())
        .collect();
    let excess = stems.len().saturating_sub(keep.max(1));
    for old in stems.iter().take(excess) {
        for ext in ["json", "md"] {
            let _ = std::fs::remove_file(dir.join(format!("{old}.{ext}")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_names_are_recognised() {
        assert!(is_report_file("20261125T101502123Z.json"));
        assert!(is_report_file("20261125T101502123Z.md"));
        assert!(!is_report_file("latest.json"));
        assert!(!is_report_file("notes.md"));
    }
}
