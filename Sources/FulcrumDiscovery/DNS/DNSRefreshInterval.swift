/// When a DNS source asks again after a successful round, when `interval` is not set (SPEC §8.1): at the TTL of the
/// answers, clamped to 1 s ... 5 min.
enum DNSRefreshInterval {
    /// A TTL of 0 (do not cache) would otherwise mean asking without pause.
    static let minimum = Duration.seconds(1)
    /// A long TTL (a day is common) would otherwise leave a changed zone unseen for that long.
    static let maximum = Duration.seconds(300)

    /// The wait after a round whose answers hold `ttl` seconds. `nil` (only negative answers, none with an SOA):
    /// RFC 2308 §5 says such an answer must not be cached, so the round is asked again as soon as the floor allows.
    static func after(ttl: UInt32?) -> Duration {
        guard let ttl else { return DNSRefreshInterval.minimum }
        return min(max(.seconds(ttl), DNSRefreshInterval.minimum), DNSRefreshInterval.maximum)
    }
}
