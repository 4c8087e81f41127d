//! The guard every importer (ONDE, AAF) puts before its commit: a run that would deactivate more
//! than `[import] max_deactivation_percent` of the active accounts it covers stops, because a
//! truncated file makes people "disappear" and must not cost a school its accounts.

use crate::provisioning::onde::read::ReadError;

/// The numbers the guard weighs for one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deactivations {
    /// Accounts the run would deactivate.
    pub deactivated: u64,
    /// Active accounts the run covers, before it.
    pub active: u64,
    /// The configured limit, in percent.
    pub limit: u8,
}

impl Deactivations {
    /// The share of the active accounts the run would deactivate, rounded up.
    pub fn percent(&self) -> u64 {
        (self.deactivated * 100).div_ceil(self.active.max(1))
    }

    /// Whether the run goes beyond the limit.
    pub fn too_many(&self) -> bool {
        self.deactivated * 100 > u64::from(self.limit) * self.active
    }

    /// Applies the guard: beyond the limit, a dry run gets the stop the real run would make as a
    /// warning (its whole report stays readable), a run allowed by the operator goes on, and any
    /// other run gets `refusal` (the caller rolls its transaction back).
    pub fn check<E: std::fmt::Display>(
        self,
        dry_run: bool,
        allowed: bool,
        warnings: &mut Vec<ReadError>,
        refusal: impl FnOnce(Self) -> E,
    ) -> Result<(), E> {
        if !self.too_many() {
            return Ok(());
        }
        let error = refusal(self);
        if dry_run {
            warnings.push(ReadError {
                file: String::new(),
                line: 0,
                column: None,
                message: error.to_string(),
            });
            Ok(())
        } else if allowed {
            Ok(())
        } else {
            Err(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Deactivations;

    fn run(deactivated: u64, active: u64, dry_run: bool, allowed: bool) -> (bool, usize) {
        let mut warnings = Vec::new();
        let d = Deactivations {
            deactivated,
            active,
            limit: 10,
        };
        let result = d.check(dry_run, allowed, &mut warnings, |d| {
            format!("{}", d.percent())
        });
        (result.is_ok(), warnings.len())
    }

    #[test]
    fn the_limit_itself_passes_one_more_stops() {
        assert_eq!(run(10, 100, false, false), (true, 0));
        assert_eq!(run(11, 100, false, false), (false, 0));
    }

    #[test]
    fn a_dry_run_warns_and_an_allowed_run_goes_on() {
        assert_eq!(run(50, 100, true, false), (true, 1));
        assert_eq!(run(50, 100, false, true), (true, 0));
    }

    #[test]
    fn an_empty_school_loses_nothing_and_percent_rounds_up() {
        assert_eq!(run(0, 0, false, false), (true, 0));
        let d = Deactivations {
            deactivated: 1,
            active: 3,
            limit: 10,
        };
        assert_eq!(d.percent(), 34);
    }
}
