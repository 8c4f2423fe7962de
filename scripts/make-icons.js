// Renders static/favicon.svg into the PNG icons the PWA manifest lists.
// Run once after changing the SVG: node scripts/make-icons.js
import sharp from 'sharp';

for (const size of [192, 512]) {
	await sharp('static/favicon.svg').resize(size, size).png().toFile(`static/icons/icon-${size}.png`);
	// Maskable: the same mark with safe-zone padding on the brand colour.
	const inner = Math.round(size * 0.8);
	const pad = (size - inner) / 2;
	await sharp('static/favicon.svg')
		.resize(inner, inner)
		.extend({ top: Math.floor(pad), bottom: Math.ceil(pad), left: Math.floor(pad), right: Math.ceil(pad), background: '#0b5d4b' })
		.png()
		.toFile(`static/icons/maskable-${size}.png`);
}
