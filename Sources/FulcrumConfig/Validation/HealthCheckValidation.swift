import Foundation
import Yams

extension ConfigValidator {
    /// The most bytes a probe may send or expect: the prober accumulates at most 16 KiB of reply (SPEC §7).
    static let maximumProbeBytes = 16 * 1024

    /// `health_check:`. Without `timeout`, the timeout is 1s or the interval if that is shorter. An explicit
    /// `timeout` longer than `interval` is valid (SPEC §8.5): the probes of one backend never overlap, the next one
    /// starts when a slow one ends.
    mutating func healthCheck(
        _ section: MappingEntry, transport: TransportProtocol, serviceContext: String
    ) -> HealthCheckConfig? {
        guard case .mapping = section.value else {
            let hint = section.value.isNull ? " (write 'health_check: {}' for the defaults)" : ""
            self.error(
                serviceContext, "health_check must be a mapping, found \(section.value.foundDescription)\(hint)",
                at: section.value
            )
            return nil
        }
        let context = "\(serviceContext): health_check"
        let errorsBefore = self.diagnostics.errorCount
        let entries = self.sectionEntries(of: section.value, section: .healthCheck, context: context)

        var interval = HealthCheckConfig.defaultInterval
        if let entry = entries["interval"], let parsed = self.duration(entry, allowZero: false, context: context) {
            interval = parsed
        }
        var timeout = min(HealthCheckConfig.defaultTimeout, interval)
        if let entry = entries["timeout"], let parsed = self.duration(entry, allowZero: false, context: context) {
            timeout = parsed
        }
        let rise = entries["rise"].flatMap { self.integer($0, in: 1...100, context: context) }
        let fall = entries["fall"].flatMap { self.integer($0, in: 1...100, context: context) }
        let port = entries["port"].flatMap { self.integer($0, in: 1...65535, context: context) }
        let send = entries["send"].flatMap { self.probeBytes($0, context: context) }
        let expect = entries["expect"].flatMap { self.probeBytes($0, context: context) }
        if transport == .udp, entries["send"] == nil {
            self.error(
                context, "missing required key 'send' (a udp check needs a datagram to send)", at: section.keyNode
            )
        }
        guard self.diagnostics.errorCount == errorsBefore else { return nil }
        return HealthCheckConfig(
            interval: interval, timeout: timeout, rise: rise ?? HealthCheckConfig.defaultRise,
            fall: fall ?? HealthCheckConfig.defaultFall, port: port.map { UInt16($0) }, send: send, expect: expect
        )
    }

    /// `send` / `expect`: text (YAML double quotes give escapes such as `"PING\r\n"`; the bytes are its UTF-8), or
    /// `!!binary` base64 for bytes that are not text.
    private mutating func probeBytes(_ entry: MappingEntry, context: String) -> [UInt8]? {
        guard case .scalar(let scalar) = entry.value, !entry.value.isNull else {
            self.error(
                context, "\(entry.key) must be a string (or !!binary base64), found \(entry.value.foundDescription)",
                at: entry.value
            )
            return nil
        }
        let bytes: [UInt8]
        if entry.value.tag == Tag(.binary) {
            guard let data = Data(base64Encoded: scalar.string, options: .ignoreUnknownCharacters) else {
                self.error(context, "\(entry.key) is tagged !!binary but is not valid base64", at: entry.value)
                return nil
            }
            bytes = Array(data)
        } else {
            bytes = Array(scalar.string.utf8)
        }
        if bytes.isEmpty {
            self.error(context, "\(entry.key) must not be empty", at: entry.value)
            return nil
        }
        if bytes.count > Self.maximumProbeBytes {
            self.error(
                context, "\(entry.key) must be at most \(Self.maximumProbeBytes) bytes, found \(bytes.count) bytes",
                at: entry.value
            )
            return nil
        }
        return bytes
    }
}
