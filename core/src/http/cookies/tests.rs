use super::*;
use std::string::String;
use std::vec::Vec;

const NOW: UnixTime = UnixTime(1_795_000_000);

fn header(jar: &CookieJar, host: &str, path: &str, secure: bool, now: UnixTime) -> String {
    let mut v: heapless::Vec<u8, 8192> = heapless::Vec::new();
    jar.write_cookie_header(host, path, secure, now, &mut v)
        .unwrap();
    String::from_utf8(v.to_vec()).unwrap()
}

#[test]
fn genieacs_session_cookie_is_returned_on_the_next_post() {
    let mut jar = CookieJar::new();
    assert_eq!(
        jar.store("session=dda2751438a85098", "127.0.0.1", "/", NOW),
        Ok(Stored::Added)
    );
    assert_eq!(
        header(&jar, "127.0.0.1", "/", false, NOW),
        "Cookie: session=dda2751438a85098\r\n"
    );
}

#[test]
fn empty_jar_writes_nothing() {
    assert_eq!(header(&CookieJar::new(), "acs", "/", true, NOW), "");
}

#[test]
fn multiple_cookies_are_all_returned_longest_path_first() {
    let mut jar = CookieJar::new();
    jar.store("a=1", "acs.example.com", "/cwmp", NOW).unwrap();
    jar.store("b=2; Path=/cwmp/x", "acs.example.com", "/cwmp", NOW)
        .unwrap();
    jar.store("c=3; Path=/", "acs.example.com", "/cwmp", NOW)
        .unwrap();
    assert_eq!(jar.len(), 3);
    assert_eq!(
        header(&jar, "acs.example.com", "/cwmp/x/y", false, NOW),
        "Cookie: b=2; a=1; c=3\r\n"
    );
    assert_eq!(
        header(&jar, "acs.example.com", "/other", false, NOW),
        "Cookie: a=1; c=3\r\n"
    );
}

#[test]
fn same_name_domain_and_path_replaces() {
    let mut jar = CookieJar::new();
    jar.store("session=old", "acs", "/", NOW).unwrap();
    jar.store("other=x", "acs", "/", NOW).unwrap();
    assert_eq!(
        jar.store("session=new-and-longer", "acs", "/", NOW),
        Ok(Stored::Replaced)
    );
    assert_eq!(jar.len(), 2);
    assert_eq!(
        header(&jar, "acs", "/", false, NOW),
        "Cookie: session=new-and-longer; other=x\r\n"
    );
    // Same name with another path is a different cookie.
    assert_eq!(
        jar.store("session=p; Path=/p", "acs", "/", NOW),
        Ok(Stored::Added)
    );
    assert_eq!(jar.len(), 3);
}

#[test]
fn max_age_and_expires_set_expiry_max_age_wins() {
    let mut jar = CookieJar::new();
    jar.store("a=1; Max-Age=60", "acs", "/", NOW).unwrap();
    jar.store(
        "b=2; Expires=Wed, 09 Jun 2021 10:18:14 GMT; Max-Age=120",
        "acs",
        "/",
        NOW,
    )
    .unwrap();
    jar.store("c=3", "acs", "/", NOW).unwrap();
    assert_eq!(
        header(&jar, "acs", "/", false, NOW),
        "Cookie: a=1; b=2; c=3\r\n"
    );
    let later = UnixTime(NOW.0 + 61);
    assert_eq!(
        header(&jar, "acs", "/", false, later),
        "Cookie: b=2; c=3\r\n"
    );
    let much_later = UnixTime(NOW.0 + 121);
    assert_eq!(
        header(&jar, "acs", "/", false, much_later),
        "Cookie: c=3\r\n"
    );
}

#[test]
fn expired_set_cookie_deletes_the_stored_one() {
    let mut jar = CookieJar::new();
    jar.store("session=1", "acs", "/", NOW).unwrap();
    assert_eq!(
        jar.store("session=; Max-Age=0", "acs", "/", NOW),
        Ok(Stored::Deleted)
    );
    assert!(jar.is_empty());
    assert_eq!(jar.bytes_used(), 0);
    assert_eq!(
        jar.store(
            "x=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
            "acs",
            "/",
            NOW
        ),
        Ok(Stored::Ignored)
    );
}

#[test]
fn cookie_dates_in_every_common_form() {
    let want = UnixTime(784_111_777); // 1994-11-06T08:49:37Z
    for s in [
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
        "6 nov 1994 8:49:37",
    ] {
        assert_eq!(parse_cookie_date(s), Some(want), "{s}");
    }
    for bad in [
        "",
        "31 Feb 2024 00:00:00",
        "06 Nov 1994",
        "06 Nov 1500 00:00:00",
        "06 Foo 1994 00:00:00",
        "06 Nov 1994 24:00:00",
    ] {
        assert_eq!(parse_cookie_date(bad), None, "{bad}");
    }
}

#[test]
fn unparseable_expires_and_max_age_are_ignored() {
    let mut jar = CookieJar::new();
    jar.store("a=1; Expires=soon; Max-Age=1e3", "acs", "/", NOW)
        .unwrap();
    assert_eq!(jar.iter().next().unwrap().expires, None);
}

#[test]
fn domain_attribute_and_host_only() {
    let mut jar = CookieJar::new();
    jar.store("wide=1; Domain=.example.com", "acs.example.com", "/", NOW)
        .unwrap();
    jar.store("narrow=2", "acs.example.com", "/", NOW).unwrap();
    assert_eq!(
        header(&jar, "ACS.example.com", "/", false, NOW),
        "Cookie: wide=1; narrow=2\r\n"
    );
    assert_eq!(
        header(&jar, "lb.example.com", "/", false, NOW),
        "Cookie: wide=1\r\n"
    );
    assert_eq!(header(&jar, "badexample.com", "/", false, NOW), "");
    assert_eq!(
        jar.store("x=1; Domain=other.org", "acs.example.com", "/", NOW),
        Err(CookieError::DomainMismatch)
    );
    assert_eq!(
        jar.store("x=1; Domain=0.0.1", "127.0.0.1", "/", NOW),
        Err(CookieError::DomainMismatch)
    );
}

#[test]
fn secure_cookies_only_over_tls() {
    let mut jar = CookieJar::new();
    jar.store("s=1; Secure; HttpOnly", "acs", "/", NOW).unwrap();
    assert_eq!(header(&jar, "acs", "/", false, NOW), "");
    assert_eq!(header(&jar, "acs", "/", true, NOW), "Cookie: s=1\r\n");
}

#[test]
fn default_path_is_the_request_directory() {
    let mut jar = CookieJar::new();
    jar.store("a=1", "acs", "/cwmp/acs", NOW).unwrap();
    assert_eq!(jar.iter().next().unwrap().path, "/cwmp");
    assert_eq!(header(&jar, "acs", "/cwmp", false, NOW), "Cookie: a=1\r\n");
    assert_eq!(header(&jar, "acs", "/cwmpx", false, NOW), "");
    assert_eq!(default_path(""), "/");
    assert_eq!(default_path("/acs"), "/");
    jar.store("b=1; Path=relative", "acs", "/", NOW).unwrap();
    assert_eq!(jar.iter().nth(1).unwrap().path, "/");
}

#[test]
fn malformed_set_cookie_is_refused() {
    let mut jar = CookieJar::new();
    assert_eq!(
        jar.store("novalue", "acs", "/", NOW),
        Err(CookieError::Malformed)
    );
    assert_eq!(
        jar.store("=v", "acs", "/", NOW),
        Err(CookieError::Malformed)
    );
    assert_eq!(
        jar.store("a=\x01", "acs", "/", NOW),
        Err(CookieError::Malformed)
    );
    assert!(jar.is_empty());
}

#[test]
fn holds_at_least_4_kib_then_refuses_and_keeps_what_it_has() {
    let mut jar = CookieJar::new();
    let value: String = "v".repeat(COOKIE_JAR_BYTES / 4 - 10);
    for i in 0..4 {
        jar.store(&std::format!("c{i}={value}"), "acs", "/", NOW)
            .unwrap();
    }
    let used = jar.bytes_used();
    assert!(used >= 4 * (value.len() + 2));
    assert_eq!(
        jar.store(&std::format!("c9={value}"), "acs", "/", NOW),
        Err(CookieError::JarFull)
    );
    assert_eq!(jar.len(), 4);
    assert_eq!(jar.bytes_used(), used);
    // Replacing in place with a value of the same size still works when full.
    assert_eq!(
        jar.store(&std::format!("c0={value}"), "acs", "/", NOW),
        Ok(Stored::Replaced)
    );
}

#[test]
fn full_jar_drops_expired_cookies_first() {
    let mut jar = CookieJar::new();
    let value: String = "v".repeat(COOKIE_JAR_BYTES / 2 - 10);
    jar.store(&std::format!("old={value}; Max-Age=5"), "acs", "/", NOW)
        .unwrap();
    jar.store(&std::format!("keep={value}"), "acs", "/", NOW)
        .unwrap();
    assert_eq!(
        jar.store(&std::format!("new={value}"), "acs", "/", NOW),
        Err(CookieError::JarFull)
    );
    let later = UnixTime(NOW.0 + 10);
    assert_eq!(
        jar.store(&std::format!("new={value}"), "acs", "/", later),
        Ok(Stored::Added)
    );
    let names: Vec<_> = jar.iter().map(|c| c.name).collect();
    assert_eq!(names, ["keep", "new"]);
}

#[test]
fn cookie_count_limit_is_enforced() {
    let mut jar = CookieJar::new();
    for i in 0..COOKIE_JAR_MAX_COOKIES {
        jar.store(&std::format!("c{i}=1"), "acs", "/", NOW).unwrap();
    }
    assert_eq!(
        jar.store("one=more", "acs", "/", NOW),
        Err(CookieError::JarFull)
    );
}

#[test]
fn a_cookie_larger_than_the_jar_is_refused() {
    let mut jar = CookieJar::new();
    let value: String = "v".repeat(COOKIE_JAR_BYTES);
    assert_eq!(
        jar.store(&std::format!("big={value}"), "acs", "/", NOW),
        Err(CookieError::TooLarge)
    );
}

#[test]
fn removal_keeps_the_other_cookies_intact() {
    let mut jar = CookieJar::new();
    jar.store("a=1", "acs", "/", NOW).unwrap();
    jar.store("b=22", "acs", "/", NOW).unwrap();
    jar.store("c=333", "acs", "/", NOW).unwrap();
    jar.store("b=; Max-Age=-1", "acs", "/", NOW).unwrap();
    assert_eq!(
        header(&jar, "acs", "/", false, NOW),
        "Cookie: a=1; c=333\r\n"
    );
    jar.clear();
    assert!(jar.is_empty());
}
