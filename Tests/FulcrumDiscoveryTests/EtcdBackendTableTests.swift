import FulcrumNet
import Testing

@testable import FulcrumDiscovery

@Suite struct EtcdBackendTableTests {
    private func backend(_ address: String, weight: Int = 1) -> Result<DiscoveredBackend, EtcdValueRejection> {
        .success(DiscoveredBackend(address: address, endpoint: IPEndpoint(address)!, weight: weight))
    }

    private let bad: Result<DiscoveredBackend, EtcdValueRejection> = .failure(EtcdValueRejection("bad"))

    @Test func aFullReadGivesEveryKeyInKeyOrder() {
        var table = EtcdBackendTable()
        table.replaceAll(with: [("/p/b", self.backend("127.0.0.1:2")), ("/p/a", self.backend("127.0.0.1:1"))])
        let (backends, rejected) = table.snapshot()
        #expect(backends.map(\.address) == ["127.0.0.1:1", "127.0.0.1:2"])
        #expect(rejected.isEmpty)
    }

    @Test func aFullReadDropsKeysNoLongerThere() {
        var table = EtcdBackendTable()
        table.replaceAll(with: [("/p/a", self.backend("127.0.0.1:1")), ("/p/b", self.backend("127.0.0.1:2"))])
        _ = table.snapshot()
        table.replaceAll(with: [("/p/b", self.backend("127.0.0.1:2"))])
        #expect(table.snapshot().backends.map(\.address) == ["127.0.0.1:2"])
    }

    @Test func putsAndDeletesChangeTheSet() {
        var table = EtcdBackendTable()
        table.put("/p/a", self.backend("127.0.0.1:1"))
        table.put("/p/b", self.backend("127.0.0.1:2", weight: 3))
        table.delete("/p/a")
        let backends = table.snapshot().backends
        #expect(backends.map(\.description) == ["127.0.0.1:2 (weight 3)"])
        table.delete("/p/b")
        #expect(table.snapshot().backends.isEmpty)
    }

    @Test func aBadValueIsReportedEachTimeAndKeepsTheKeysLastGoodBackend() {
        var table = EtcdBackendTable()
        table.replaceAll(with: [("/p/a", self.backend("127.0.0.1:1")), ("/p/x", self.bad)])
        #expect(table.snapshot().rejected == [EtcdRejectedEntry(key: "/p/x", reason: "bad")])
        table.put("/p/a", self.bad)
        let afterPut = table.snapshot()
        #expect(afterPut.backends.map(\.address) == ["127.0.0.1:1"])
        #expect(afterPut.rejected == [EtcdRejectedEntry(key: "/p/a", reason: "bad")])
        // A full read with the same bad values reports both again and still keeps the last good one.
        table.replaceAll(with: [("/p/a", self.bad), ("/p/x", self.bad)])
        let afterRead = table.snapshot()
        #expect(afterRead.backends.map(\.address) == ["127.0.0.1:1"])
        #expect(afterRead.rejected.map(\.key) == ["/p/a", "/p/x"])
        // Nothing written: nothing reported.
        #expect(table.snapshot().rejected.isEmpty)
    }

    @Test func theFirstKeyOfADuplicateAddressWins() {
        var table = EtcdBackendTable()
        table.replaceAll(with: [
            ("/p/b", self.backend("127.0.0.1:1")), ("/p/a", self.backend("127.0.0.1:1", weight: 2)),
        ])
        let (backends, rejected) = table.snapshot()
        #expect(backends.map(\.description) == ["127.0.0.1:1 (weight 2)"])
        #expect(
            rejected == [EtcdRejectedEntry(key: "/p/b", reason: "duplicate address 127.0.0.1:1 (already under /p/a)")]
        )
        // Unchanged, it is not reported again; written again, it is.
        table.put("/p/c", self.backend("127.0.0.1:3"))
        #expect(table.snapshot().rejected.isEmpty)
        table.put("/p/b", self.backend("127.0.0.1:1"))
        #expect(table.snapshot().rejected.map(\.key) == ["/p/b"])
        // Once the first key is gone, the other one counts.
        table.delete("/p/a")
        #expect(table.snapshot().backends.map(\.description) == ["127.0.0.1:1", "127.0.0.1:3"])
    }

    @Test func aKeyThatBecomesADuplicateIsReported() {
        var table = EtcdBackendTable()
        table.replaceAll(with: [("/p/b", self.backend("127.0.0.1:1"))])
        _ = table.snapshot()
        // An earlier key takes the address: the untouched later one is now the duplicate.
        table.put("/p/a", self.backend("127.0.0.1:1"))
        let (backends, rejected) = table.snapshot()
        #expect(backends.count == 1)
        #expect(rejected.map(\.key) == ["/p/b"])
    }
}
