import Testing

@testable import FulcrumDiscovery

@Suite struct EtcdKeyRangeTests {
    @Test func aPrefixEndsWhereItsLastByteIsIncremented() {
        let range = EtcdKeyRange(prefix: "/fulcrum/db/")
        #expect(range.key == Array("/fulcrum/db/".utf8))
        #expect(range.rangeEnd == Array("/fulcrum/db0".utf8))
        #expect(EtcdKeyRange(prefix: "a").rangeEnd == Array("b".utf8))
    }

    @Test func trailingFFBytesAreDroppedBeforeIncrementing() {
        #expect(EtcdKeyRange.prefixEnd([0x61, 0xff]) == [0x62])
        #expect(EtcdKeyRange.prefixEnd([0x61, 0xfe, 0xff, 0xff]) == [0x61, 0xff])
    }

    @Test func onlyFFBytesMeansToTheEndOfTheKeySpace() {
        #expect(EtcdKeyRange.prefixEnd([0xff]) == [0])
        #expect(EtcdKeyRange.prefixEnd([0xff, 0xff]) == [0])
    }

    @Test func anEmptyPrefixIsEveryKey() {
        let range = EtcdKeyRange(prefix: "")
        #expect(range.key == [0])
        #expect(range.rangeEnd == [0])
    }
}
