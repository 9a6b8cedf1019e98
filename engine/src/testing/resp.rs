//! A tiny synchronous RESP2 client for tests: one command per connection, no pipelining,
//! no dependencies. Enough to drive a test's own `redis-server` (`INFO`, `CONFIG SET`,
//! `CLIENT PAUSE`) without going through the store under test.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

/// One RESP2 reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// `+OK`
    Simple(String),
    /// `-ERR …`: the server refused the command.
    Error(String),
    Integer(i64),
    /// `$…`; `None` is the null bulk string.
    Bulk(Option<Vec<u8>>),
    /// `*…`; `None` is the null array.
    Array(Option<Vec<Reply>>),
}

impl Reply {
    /// The reply as text: simple and bulk strings, integers; `Err` for an error reply
    /// (its message) and for anything else.
    pub fn text(&self) -> Result<String, String> {
        match self {
            Reply::Simple(s) => Ok(s.clone()),
            Reply::Bulk(Some(b)) => Ok(String::from_utf8_lossy(b).into_owned()),
            Reply::Integer(n) => Ok(n.to_string()),
            Reply::Error(e) => Err(e.clone()),
            other => Err(format!("not a string reply: {other:?}")),
        }
    }
}

/// Sends `args` as one command to `127.0.0.1:port` and reads the reply; `timeout` bounds
/// the connection and each read and write.
pub fn command(port: u16, args: &[&str], timeout: Duration) -> io::Result<Reply> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    stream.write_all(&encode(args))?;
    read_reply(&mut BufReader::new(stream))
}

/// `args` as a RESP array of bulk strings.
pub fn encode(args: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Reads one reply (recursively for arrays).
pub fn read_reply(reader: &mut impl BufRead) -> io::Result<Reply> {
    let line = read_line(reader)?;
    let (kind, rest) = line.split_at(1.min(line.len()));
    let number = || {
        rest.parse::<i64>()
            .map_err(|_| invalid(format!("bad length or integer in {line:?}")))
    };
    Ok(match kind {
        "+" => Reply::Simple(rest.to_owned()),
        "-" => Reply::Error(rest.to_owned()),
        ":" => Reply::Integer(number()?),
        "$" => match usize::try_from(number()?) {
            Err(_) => Reply::Bulk(None),
            Ok(len) => {
                let mut data = vec![0u8; len + 2];
                reader.read_exact(&mut data)?;
                data.truncate(len);
                Reply::Bulk(Some(data))
            }
        },
        "*" => match usize::try_from(number()?) {
            Err(_) => Reply::Array(None),
            Ok(len) => Reply::Array(Some(
                (0..len)
                    .map(|_| read_reply(reader))
                    .collect::<io::Result<_>>()?,
            )),
        },
        _ => return Err(invalid(format!("not a RESP2 reply: {line:?}"))),
    })
}

/// `INFO` text as `field → value` (section headers and blank lines skipped).
pub fn parse_info(text: &str) -> std::collections::BTreeMap<String, String> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_owned(), v.trim().to_owned()))
        .collect()
}

fn read_line(reader: &mut impl BufRead) -> io::Result<String> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the server closed the connection",
        ));
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_and_reads_every_reply_kind() {
        assert_eq!(encode(&["GET", "k"]), b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
        let text = b"*5\r\n+OK\r\n-ERR no\r\n:42\r\n$-1\r\n$5\r\na\r\nbc\r\n";
        let reply = read_reply(&mut &text[..]).unwrap();
        assert_eq!(
            reply,
            Reply::Array(Some(vec![
                Reply::Simple("OK".into()),
                Reply::Error("ERR no".into()),
                Reply::Integer(42),
                Reply::Bulk(None),
                Reply::Bulk(Some(b"a\r\nbc".to_vec())),
            ]))
        );
        let info = parse_info("# Memory\r\nused_memory:1024\r\n\r\nmaxmemory:0\r\n");
        assert_eq!(info["used_memory"], "1024");
        assert_eq!(info["maxmemory"], "0");
    }
}
