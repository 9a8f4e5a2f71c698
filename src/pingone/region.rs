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

/// The region and the worker's environment id of a token endpoint as PingOne's console shows
/// it (`https://auth.pingone.eu/<envId>/as/token`); a one-line reason when it is not one.
pub fn parse_token_endpoint(url: &str) -> Result<(Region, String), String> {
    let not = |why: &str| {
        format!(
            "{url:?} is not a PingOne token endpoint ({why}); it looks like https://auth.pingone.eu/ENVIRONMENT_ID/as/token"
        )
    };
    let u = url::Url::parse(url.trim()).map_err(|e| not(&e.to_string()))?;
    if u.scheme() != "https" {
        return Err(not("not https"));
    }
    let host = u.host_str().unwrap_or_default().to_ascii_lowercase();
    let tld = host
        .strip_prefix("auth.pingone.")
        .ok_or_else(|| not("the host is not auth.pingone.<region>"))?;
    let region = Region::ALL
        .into_iter()
        .find(|r| r.tld() == tld)
        .ok_or_else(|| not("an unknown region"))?;
    let parts: Vec<&str> = u.path().trim_matches('/').split('/').collect();
    match parts.as_slice() {
        [env, "as", "token"] if uuid::Uuid::parse_str(env).is_ok() => {
            Ok((region, (*env).to_owned()))
        }
        [_, "as", "token"] => Err(not("the environment id is not a UUID")),
        _ => Err(not("the path is not /ENVIRONMENT_ID/as/token")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_endpoints_give_region_and_environment() {
        let env = "2b3c4d5e-0000-4000-8000-00000000abcd";
        assert_eq!(
            parse_token_endpoint(&format!("https://auth.pingone.eu/{env}/as/token")),
            Ok((Region::EU, env.to_owned()))
        );
        assert_eq!(
            parse_token_endpoint(&format!("https://auth.pingone.com.au/{env}/as/token/")),
            Ok((Region::AU, env.to_owned()))
        );
        for bad in [
            format!("http://auth.pingone.eu/{env}/as/token"),
            format!("https://auth.example.com/{env}/as/token"),
            format!("https://auth.pingone.xyz/{env}/as/token"),
            "https://auth.pingone.eu/not-an-id/as/token".to_owned(),
            format!("https://auth.pingone.eu/{env}/as/authorize"),
            "auth.pingone.eu".to_owned(),
        ] {
            let e = parse_token_endpoint(&bad).unwrap_err();
            assert!(
                e.contains("is not a PingOne token endpoint") && !e.contains('\n'),
                "{e}"
            );
        }
    }

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
