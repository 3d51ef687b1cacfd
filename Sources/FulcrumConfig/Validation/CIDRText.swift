import FulcrumNet

/// `allow` / `deny` entries: `ADDRESS/LENGTH`, or a bare address for a single host.
enum CIDRText {
    enum Failure: Error, Equatable {
        /// Not a prefix at all.
        case malformed
        /// A valid address and length, but with bits set below the prefix: `10.0.0.1/8`. Carries the prefix that
        /// was probably meant.
        case hostBitsSet(suggestion: CIDR)
    }

    static func parse(_ text: String) -> Result<CIDR, Failure> {
        if let cidr = CIDR(text) { return .success(cidr) }
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPAddress(parts[0]), !parts[1].isEmpty, parts[1].count <= 3,
            parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let length = Int(parts[1]),
            length <= (address.isIPv4 ? 32 : 128)
        else { return .failure(.malformed) }
        let masked = CIDR(network: address, prefixLength: length)
        guard masked.network != address else { return .failure(.malformed) }
        return .failure(.hostBitsSet(suggestion: masked))
    }
}
