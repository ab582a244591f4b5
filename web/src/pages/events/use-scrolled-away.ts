import { useEffect, useState } from 'react';

/** Whether the reader has scrolled down from the top of the page (newest events). */
export function useScrolledAway(threshold = 120): boolean {
  const [away, setAway] = useState(() => window.scrollY > threshold);
  useEffect(() => {
    const update = () => setAway(window.scrollY > threshold);
    window.addEventListener('scroll', update, { passive: true });
    return () => window.removeEventListener('scroll', update);
  }, [threshold]);
  return away;
}
