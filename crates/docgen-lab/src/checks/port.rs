//! `port: N` with `listening`, `address`: a TCP port, from `/proc/net/tcp` and `tcp6` (no
//! `ss` or `netstat` needed in the image).

use std::any::Any;

use super::{Fields, JudgeContext, Kind, KindDef, Verdict};
use crate::exec::ExecOutput;

pub(super) const DEF: KindDef = KindDef {
    name: "port",
    fields: &["listening", "address"],
    key_is_also_a_field: false,
    parse,
};

/// A TCP port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    /// The port.
    pub port: u16,
    /// Whether something listens on it (default true).
    pub listening: bool,
    /// The local address it listens on (`0.0.0.0`, `127.0.0.1`, `::`).
    pub address: Option<String>,
}

fn parse(f: &mut Fields<'_>) -> Option<Box<dyn Kind>> {
    let kind = Port {
        port: f.key("a port number from 1 to 65535"),
        listening: f.flag("listening").unwrap_or(true),
        address: f.text("address"),
    };
    f.finish(kind)
}

impl Kind for Port {
    fn name(&self) -> &'static str {
        DEF.name
    }

    fn probe(&self) -> String {
        "cat /proc/net/tcp /proc/net/tcp6 2>/dev/null; true".to_string()
    }

    fn judge(&self, out: &ExecOutput, _cx: &JudgeContext<'_>) -> Verdict {
        let port = self.port;
        let socks = listening_tcp(&out.stdout);
        let on_port: Vec<&(String, u16)> = socks.iter().filter(|(_, p)| *p == port).collect();
        let ok = if self.listening {
            match &self.address {
                Some(a) => on_port.iter().any(|(ad, _)| ad == a),
                None => !on_port.is_empty(),
            }
        } else {
            on_port.is_empty()
        };
        let exp = match (self.listening, &self.address) {
            (true, Some(a)) => format!("something listening on {a}:{port}"),
            (true, None) => format!("something listening on TCP port {port}"),
            (false, _) => format!("nothing listening on TCP port {port}"),
        };
        let seen = if on_port.is_empty() {
            format!("nothing listens on port {port}")
        } else {
            format!(
                "listening on {}",
                on_port
                    .iter()
                    .map(|(a, p)| format!("{a}:{p}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        Verdict::new(ok, exp, seen)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `(address, port)` of every listening TCP socket in `/proc/net/tcp{,6}` text.
fn listening_tcp(text: &str) -> Vec<(String, u16)> {
    tcp_listeners(text)
        .into_iter()
        .map(|(a, p, _)| (a, p))
        .collect()
}

/// `(address, port, inode)` of every listening TCP socket in `/proc/net/tcp{,6}` text; the
/// inode ties a socket to the processes holding it (`/proc/PID/fd`).
pub(super) fn tcp_listeners(text: &str) -> Vec<(String, u16, u64)> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() < 4 || f[3] != "0A" {
                return None;
            }
            let (addr, port) = f[1].split_once(':')?;
            let port = u16::from_str_radix(port, 16).ok()?;
            let inode = f.get(9).and_then(|i| i.parse().ok()).unwrap_or(0);
            Some((decode_addr(addr)?, port, inode))
        })
        .collect()
}

/// `/proc/net/tcp` addresses: IPv4 as one little-endian word, IPv6 as four.
fn decode_addr(hex: &str) -> Option<String> {
    let words: Vec<u32> = (0..hex.len() / 8)
        .map(|i| u32::from_str_radix(&hex[i * 8..i * 8 + 8], 16).ok())
        .collect::<Option<_>>()?;
    match words.as_slice() {
        [w] => Some(std::net::Ipv4Addr::from(w.swap_bytes()).to_string()),
        [a, b, c, d] => {
            let mut bytes = [0u8; 16];
            for (i, w) in [a, b, c, d].iter().enumerate() {
                bytes[i * 4..i * 4 + 4].copy_from_slice(&w.to_le_bytes());
            }
            Some(std::net::Ipv6Addr::from(bytes).to_string())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{judge, out};
    use super::*;

    #[test]
    fn ports_decode_ipv4_and_ipv6() {
        let tcp = "  sl  local_address rem_address   st\n   0: 00000000:1F40 00000000:0000 0A 0\n   1: 0100007F:0050 00000000:0000 01 0\n   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 0\n";
        assert_eq!(
            listening_tcp(tcp),
            vec![("0.0.0.0".to_string(), 8000), ("::".to_string(), 80)]
        );
        let none_on_8000 = Port {
            port: 8000,
            listening: false,
            address: None,
        };
        let v = judge(&none_on_8000, &out(tcp));
        assert!(!v.passed);
        assert_eq!(v.seen, "listening on 0.0.0.0:8000");
    }
}
