import Testing

@testable import FulcrumDiscovery

@Suite struct DNSRefreshIntervalTests {
    @Test func theTTLClampedToOneSecondAndFiveMinutes() {
        #expect(DNSRefreshInterval.after(ttl: 0) == .seconds(1))
        #expect(DNSRefreshInterval.after(ttl: 1) == .seconds(1))
        #expect(DNSRefreshInterval.after(ttl: 42) == .seconds(42))
        #expect(DNSRefreshInterval.after(ttl: 300) == .seconds(300))
        #expect(DNSRefreshInterval.after(ttl: 86_400) == .seconds(300))
        #expect(DNSRefreshInterval.after(ttl: .max) == .seconds(300))
    }

    @Test func noTTLAtAllMeansTheFloor() {
        #expect(DNSRefreshInterval.after(ttl: nil) == .seconds(1))
    }
}
