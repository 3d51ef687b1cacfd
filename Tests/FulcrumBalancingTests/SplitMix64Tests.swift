import FulcrumBalancing
import Testing

@Suite struct SplitMix64Tests {
    /// Outputs of Vigna's reference `splitmix64.c` `next()` for seeds 0 and 1234567.
    @Test func referenceSequence() {
        var zero = SplitMix64(seed: 0)
        #expect(zero.next() == 0xe220_a839_7b1d_cdaf)
        #expect(zero.next() == 0x6e78_9e6a_a1b9_65f4)
        #expect(zero.next() == 0x06c4_5d18_8009_454f)
        var other = SplitMix64(seed: 1_234_567)
        #expect(other.next() == 0x599e_d017_fb08_fc85)
        #expect(other.next() == 0x2c73_f084_5854_0fa5)
        #expect(other.next() == 0x883e_bce5_a3f2_7c77)
    }

    @Test func sameSeedSameSequenceAsRandomNumberGenerator() {
        var first = SplitMix64(seed: 99)
        var second = SplitMix64(seed: 99)
        let a = (0..<100).map { _ in Int.random(in: 0..<1000, using: &first) }
        let b = (0..<100).map { _ in Int.random(in: 0..<1000, using: &second) }
        #expect(a == b)
        #expect(Set(a).count > 50)
    }
}
