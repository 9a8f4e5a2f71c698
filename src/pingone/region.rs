//! PingOne regions and their hosts (API.md section 1).

use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum Region {
    #[default]
    NA,
    CA,
    EU,
    AU,
    SG,
    /// Legacy Asia-Pacific region (`.asia`), for existing customers.
    AP,
}

impl Region {
    pub const ALL: [Region; 6] = [
        Region::NA,
        Region::CA,
        Region::EU,
        Region::AU,
        Region::SG,
        Region::AP,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Region::NA => "NA",
            Region::CA => "CA",
            Region::EU => "EU",
            Region::AU => "AU",
            Region::SG => "SG",
            Region::AP => "AP",
        }
    }

    fn tld(self) -> &'static str {
        match self {
            Region::NA => "com",
            Region::CA => "ca",
            Region::EU => "eu",
            Region::AU => "com.au",
            Region::SG => "sg",
            Region::AP => "asia",
        }
    }

    /// The Management API base, e.g. `https://api.pingone.eu/v1`.
    pub fn api_base(self) -> String {
        format!("https://api.pingone.{}/v1", self.tld())
    }

    /// The authorization server base, e.g. `https://auth.pingone.eu`.
    pub fn auth_base(self) -> String {
        format!("https://auth.pingone.{}", self.tld())
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Region {
    type Err = String;
    /// Accepts the region codes of PingOne's Terraform provider (`NA`, `EU`, ...), any case, and
    /// the top-level domains (`com`, `eu`, `com.au`, ...).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        Region::ALL
            .into_iter()
            .find(|r| r.code().eq_ignore_ascii_case(t) || r.tld().eq_ignore_ascii_case(t))
            .ok_or_else(|| {
                format!("unknown PingOne region {t:?}: use one of NA, CA, EU, AU, SG, AP")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_map_to_their_hosts() {
        assert_eq!(Region::NA.api_base(), "https://api.pingone.com/v1");
        assert_eq!(Region::AU.auth_base(), "https://auth.pingone.com.au");
        assert_eq!(Region::AP.api_base(), "https://api.pingone.asia/v1");
        assert_eq!("eu".parse::<Region>(), Ok(Region::EU));
        assert_eq!("com.au".parse::<Region>(), Ok(Region::AU));
        let err = "XX".parse::<Region>().unwrap_err();
        assert!(err.contains("NA, CA, EU, AU, SG, AP"), "{err}");
    }
}
