//! What the timing tools share: milliseconds since an instant, the median
//! of the runs, and their arguments (files, then an optional RUNS).

use std::process::ExitCode;
use std::time::Instant;

/// Milliseconds since `since`.
pub fn elapsed_ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

/// The median of `values` (the mean of the middle two for an even count).
///
/// # Panics
/// When `values` is empty.
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

/// The RUNS argument: `default` when absent, else a whole number of at least 1.
///
/// # Errors
/// The message to show when it is not one.
pub fn runs_arg(arg: Option<&String>, default: usize) -> Result<usize, &'static str> {
    match arg.map(|r| r.parse::<usize>()) {
        None => Ok(default),
        Some(Ok(runs)) if runs > 0 => Ok(runs),
        Some(_) => Err("RUNS must be a whole number of at least 1"),
    }
}

/// The command's arguments: `N` files, then RUNS ([`runs_arg`]).
///
/// # Errors
/// Exit code 2, after `usage` or what is wrong with RUNS is said on
/// standard error.
pub fn files_and_runs<const N: usize>(
    usage: &str,
    default_runs: usize,
) -> Result<([String; N], usize), ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Ok(files) = <[String; N]>::try_from(args.iter().take(N).cloned().collect::<Vec<_>>())
    else {
        eprintln!("{usage}");
        return Err(ExitCode::from(2));
    };
    match runs_arg(args.get(N), default_runs) {
        Ok(runs) => Ok((files, runs)),
        Err(message) => {
            eprintln!("{message}");
            Err(ExitCode::from(2))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_runs() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(runs_arg(None, 5), Ok(5));
        assert_eq!(runs_arg(Some(&"7".to_owned()), 5), Ok(7));
        assert!(runs_arg(Some(&"0".to_owned()), 5).is_err());
        assert!(runs_arg(Some(&"x".to_owned()), 5).is_err());
    }
}
