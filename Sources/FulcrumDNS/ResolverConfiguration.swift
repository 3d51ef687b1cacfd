import FulcrumNet

/// What /etc/resolv.conf tells a stub resolver (resolv.conf(5)), read from its text the way glibc reads it: the
/// caller reads the file, this only interprets it.
///
/// - `nameserver ADDRESS`: IPv4 or IPv6, port 53; at most the first three count (glibc's MAXNS). An IPv6 address
///   with a zone (`fe80::1%eth0`) is skipped: `IPEndpoint` has no zone, and naming the interface would take a
///   system call. No nameserver at all means 127.0.0.1, as in glibc.
/// - `search NAME...` and `domain NAME`: the search list (`domain` is a one-name list); the last such line wins.
///   Names that are not valid host names are skipped one by one. glibc falls back to the local host name's domain
///   when neither is given, which needs the host name: here the list is then empty.
/// - `options timeout:N attempts:N ndots:N`: clamped as glibc clamps them (timeout at most 30 s, attempts at most 5,
///   ndots at most 15), and timeout and attempts at least 1, since 0 would mean never asking. Other options are
///   ignored.
/// - A keyword counts only at the start of a line and followed by a space or tab; anything from `#` or `;` to the end
///   of a line is a comment (glibc treats them so in the first column and after a nameserver's address; neither can
///   appear in a valid value). Lines that do not make sense are ignored, as glibc does.
public struct ResolverConfiguration: Hashable, Sendable {
    /// The DNS port; resolv.conf has no way to name another.
    public static let nameserverPort: UInt16 = 53
    /// glibc's MAXNS: later `nameserver` lines are ignored.
    public static let maximumNameservers = 3
    /// Used when the file names no nameserver.
    public static let defaultNameserver = IPEndpoint(
        address: .v4(0x7F00_0001),
        port: ResolverConfiguration.nameserverPort
    )
    public static let defaultTimeoutSeconds = 5
    public static let defaultAttempts = 2
    public static let defaultNdots = 1

    /// In the order of the file; never empty.
    public var nameservers: [IPEndpoint]
    /// Domains a relative name is tried in, in order.
    public var searchDomains: [DNSName]
    /// Seconds to wait for each nameserver's answer before trying the next: 1...30.
    public var timeoutSeconds: Int
    /// Rounds through the nameservers before giving up: 1...5.
    public var attempts: Int
    /// A name with at least this many dots is tried as it is before the search list: 0...15.
    public var ndots: Int

    public init(
        nameservers: [IPEndpoint] = [ResolverConfiguration.defaultNameserver],
        searchDomains: [DNSName] = [],
        timeoutSeconds: Int = ResolverConfiguration.defaultTimeoutSeconds,
        attempts: Int = ResolverConfiguration.defaultAttempts,
        ndots: Int = ResolverConfiguration.defaultNdots
    ) {
        self.nameservers = nameservers
        self.searchDomains = searchDomains
        self.timeoutSeconds = timeoutSeconds
        self.attempts = attempts
        self.ndots = ndots
    }

    /// The configuration the text of a resolv.conf file describes. Never fails: what cannot be read is ignored.
    public init(resolvConf text: some StringProtocol) {
        self.init(nameservers: [])
        // "\r\n" is one Character in Swift, so it is named as a line end of its own.
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            self.apply(line)
        }
        if self.nameservers.isEmpty { self.nameservers = [ResolverConfiguration.defaultNameserver] }
    }

    private mutating func apply(_ rawLine: some StringProtocol) {
        let line = rawLine.prefix { $0 != "#" && $0 != ";" }
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
        // The keyword must start the line: `words` would skip leading blanks.
        guard let keyword = words.first, let first = line.first, first != " ", first != "\t" else { return }
        let values = words.dropFirst()
        switch keyword {
        case "nameserver":
            guard let text = values.first, self.nameservers.count < ResolverConfiguration.maximumNameservers,
                let address = IPAddress(text)
            else { return }
            self.nameservers.append(IPEndpoint(address: address, port: ResolverConfiguration.nameserverPort))
        case "domain":
            guard let text = values.first else { return }
            self.searchDomains = (try? DNSName(text)).map { [$0] } ?? []
        case "search":
            self.searchDomains = values.compactMap { try? DNSName($0) }
        case "options":
            for option in values { self.applyOption(option) }
        default:
            break
        }
    }

    private mutating func applyOption(_ option: some StringProtocol) {
        guard let colon = option.firstIndex(of: ":") else { return }
        let digits = option[option.index(after: colon)...]
        // glibc reads the number with atoi; this takes plain digits only, and caps the length so that it fits.
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            let value = Int(digits)
        else { return }
        switch option[..<colon] {
        case "timeout": self.timeoutSeconds = min(max(value, 1), 30)
        case "attempts": self.attempts = min(max(value, 1), 5)
        case "ndots": self.ndots = min(value, 15)
        default: break
        }
    }
}
