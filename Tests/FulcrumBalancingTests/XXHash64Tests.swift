import FulcrumBalancing
import Testing

/// Vectors from the reference C implementation (xxHash 0.8.x, through PyPI `xxhash`), on the sanity buffer of
/// xxHash's own `xsum_sanity_check.c` (byte i = top byte of PRIME32 * PRIME64^i) and on short strings; every length
/// class of the algorithm (0, <4, 4..7, 8..31, 32, stripes plus tails) is covered, with seeds 0 and PRIME32.
@Suite struct XXHash64Tests {
    static let prime32: UInt64 = 2_654_435_761

    static let sanityBuffer: [UInt8] = {
        var generator: UInt64 = prime32
        return (0..<2367).map { _ in
            let byte = UInt8(truncatingIfNeeded: generator >> 56)
            generator &*= 11_400_714_785_074_694_797
            return byte
        }
    }()

    static let sanityVectors: [(length: Int, seed: UInt64, hash: UInt64)] = [
        (0, 0, 0xef46_db37_51d8_e999), (0, prime32, 0xac75_fda2_929b_17ef),
        (1, 0, 0xe934_a84a_db05_2768), (1, prime32, 0x5014_6076_43a9_b4c3),
        (4, 0, 0x9136_a0dc_a574_57ee), (4, prime32, 0xcaab_286b_d8e9_fdb5),
        (7, 0, 0x6c83_909a_9f01_ed25), (7, prime32, 0xf98d_03b1_ad6f_9293),
        (8, 0, 0xcdbc_f538_e71d_1348), (8, prime32, 0xfe0c_047a_5353_cdac),
        (14, 0, 0x8282_dcc4_994e_35c8), (14, prime32, 0xc3bd_6bf6_3deb_6df0),
        (31, 0, 0x299b_39a2_90e6_d783), (31, prime32, 0xda67_3d5f_eb5c_1d79),
        (32, 0, 0x18b2_1649_2bb4_4b70), (32, prime32, 0xb3f3_3bdf_93ad_e409),
        (33, 0, 0x55c8_dc3e_578f_5b59), (33, prime32, 0xe92c_292f_64bc_3071),
        (63, 0, 0xa9ef_be0f_a0f3_f4e7), (63, prime32, 0x6c91_1fad_b05b_6fc2),
        (64, 0, 0xef55_8f8a_cac2_b5cd), (64, prime32, 0xb5ee_ba99_264c_c44f),
        (100, 0, 0x4bfe_019c_d91d_9ea4), (100, prime32, 0x4853_706d_c962_5cae),
        (222, 0, 0xb641_ae8c_b691_c174), (222, prime32, 0x20cb_8ab7_ae10_c14a),
        (2367, 0, 0xa824_18dd_ec0e_a581), (2367, prime32, 0xa36a_93c1_8052_673a),
    ]

    @Test(arguments: sanityVectors.indices)
    func sanityBufferVectors(_ vector: Int) {
        let (length, seed, expected) = XXHash64Tests.sanityVectors[vector]
        let hash = XXHash64Tests.sanityBuffer.withUnsafeBytes {
            XXHash64.hash(UnsafeRawBufferPointer(rebasing: $0[0..<length]), seed: seed)
        }
        #expect(hash == expected, "length \(length) seed \(seed)")
    }

    @Test func stringVectors() {
        #expect(XXHash64.hash("") == 0xef46_db37_51d8_e999)
        #expect(XXHash64.hash("", seed: 1) == 0xd5af_ba13_36a3_be4b)
        #expect(XXHash64.hash("a") == 0xd24e_c4f1_a98c_6e5b)
        #expect(XXHash64.hash("abc") == 0x44bc_2cf5_ad77_0999)
        #expect(XXHash64.hash("abc", seed: 1) == 0xbea9_ca81_9932_8908)
        #expect(XXHash64.hash("10.0.0.1:80") == 0x011f_acba_8043_b217)
        #expect(XXHash64.hash("10.0.0.1:80", seed: 1) == 0xa456_919b_cbff_aa92)
        #expect(XXHash64.hash("Nobody inspects the spammish repetition") == 0xfbce_a83c_8a37_8bf1)
    }

    /// The result must not depend on where the bytes sit in memory (unaligned loads).
    @Test func unalignedInputHashesTheSame() {
        let bytes = Array(XXHash64Tests.sanityBuffer[1..<101])
        let aligned = XXHash64.hash(bytes)
        let shifted = XXHash64Tests.sanityBuffer.withUnsafeBytes {
            XXHash64.hash(UnsafeRawBufferPointer(rebasing: $0[1..<101]))
        }
        #expect(aligned == shifted)
        #expect(aligned == XXHash64Tests.sanityBuffer.withUnsafeBytes {
            XXHash64.hash(UnsafeRawBufferPointer(rebasing: $0[1..<101]), seed: 0)
        })
    }
}
