import { useLayoutEffect, useRef, useState } from 'react';

/** Near enough to the bottom to keep following new lines. */
const STICK_PX = 40;

/**
 * A scrolling list that stays at its bottom as `content` grows, until the user scrolls
 * up; scrolling back down (or `jumpToBottom`) follows again.
 */
export function useFollowBottom(content: unknown) {
  const [following, setFollowing] = useState(true);
  const scroller = useRef<HTMLDivElement>(null);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && following) el.scrollTop = el.scrollHeight;
  }, [content, following]);

  const onScroll = () => {
    const el = scroller.current;
    if (el) setFollowing(el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX);
  };
  const jumpToBottom = () => {
    setFollowing(true);
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
  };
  return { scroller, following, onScroll, jumpToBottom };
}
