//! Small valid PNG images, different for every seed, for product and partner images.

use std::io::Write;

use flate2::Compression;
use flate2::write::ZlibEncoder;

/// A `side`×`side` RGB PNG whose pixels derive from `seed` (a few KB for side 32).
pub fn image(seed: u64, side: u32) -> Vec<u8> {
    let mut state = seed ^ 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        // xorshift64*: deterministic, good enough to make every image distinct.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let base = next().to_le_bytes();
    let mut raw = Vec::with_capacity(((side * 3 + 1) * side) as usize);
    for y in 0..side {
        raw.push(0); // filter: none
        for x in 0..side {
            let noise = next().to_le_bytes();
            raw.push(base[0].wrapping_add((x * 4) as u8) ^ (noise[0] & 0x3f));
            raw.push(base[1].wrapping_add((y * 4) as u8) ^ (noise[1] & 0x3f));
            raw.push(base[2] ^ (noise[2] & 0x7f));
        }
    }
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::fast());
    encoder
        .write_all(&raw)
        .expect("writing to a Vec cannot fail");
    let compressed = encoder.finish().expect("writing to a Vec cannot fail");

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::with_capacity(13);
    header.extend_from_slice(&side.to_be_bytes());
    header.extend_from_slice(&side.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit, RGB, deflate, no filter, no interlace
    chunk(&mut png, b"IHDR", &header);
    chunk(&mut png, b"IDAT", &compressed);
    chunk(&mut png, b"IEND", &[]);
    png
}

fn chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    png.extend_from_slice(&(data.len() as u32).to_be_bytes());
    png.extend_from_slice(kind);
    png.extend_from_slice(data);
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    png.extend_from_slice(&crc.sum().to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_pngs_distinct_per_seed() {
        let first = image(1, 32);
        let second = image(2, 32);
        assert!(first.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert!(first.ends_with(&[0xAE, 0x42, 0x60, 0x82]), "IEND chunk CRC");
        assert_ne!(first, second);
        assert_eq!(first, image(1, 32));
        assert!(first.len() > 1000 && first.len() < 8000, "{}", first.len());
    }
}
